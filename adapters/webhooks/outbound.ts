/**
 * POSTing to a URL a user gave us (merchant webhooks) without letting it reach inside our network.
 *
 * - https only; http only with the development setting (WEBHOOK_ALLOW_LOCAL_TARGETS=1, refused in
 *   production), which also admits loopback targets (a receiver on this machine) and nothing else.
 * - The host is resolved here and EVERY address it resolves to must be public: loopback, private,
 *   link-local (cloud metadata 169.254.169.254), CGNAT (100.64/10, Alibaba's metadata), multicast,
 *   broadcast, documentation, benchmarking and reserved IPv4 ranges are refused, and so is every
 *   IPv6 address outside global unicast 2000::/3 (IPv4-mapped ::ffff:0:0/96, NAT64, ULA fc00::/7 with
 *   AWS's fd00:ec2::254, link-local, multicast) and 6to4/Teredo inside it.
 * - The socket connects to the address that was checked (a lookup that answers only it), so DNS
 *   cannot answer differently between the check and the connection.
 * - Redirects are never followed; a short deadline covers DNS, connect and the answer; at most
 *   MAX_RESPONSE_BYTES of the answer are read, then the connection is dropped.
 * - Failures are fixed reasons (`OutboundRefusal`), never the system's error text: the log a seller
 *   reads must not become a port scanner.
 */
import { lookup as dnsLookup } from "node:dns"
import type { LookupAddress } from "node:dns"
import { request as httpRequest } from "node:http"
import type { IncomingMessage } from "node:http"
import { request as httpsRequest } from "node:https"
import { BlockList, isIP } from "node:net"

export interface OutboundPolicy {
  /** development only: http, and loopback targets */
  readonly allowLocal: boolean
  readonly timeoutMs: number
  readonly maxResponseBytes: number
}

export const DEFAULT_TIMEOUT_MS = 10_000
export const MAX_RESPONSE_BYTES = 16 * 1024

/** What a seller may read about a refused or failed attempt: fixed texts only. */
export const Reasons = {
  notAUrl: "refused: not an absolute http(s) URL",
  notHttps: "refused: the URL must use https",
  credentials: "refused: the URL must not carry a user name or password",
  notPublic: "refused: the host is not a public internet address",
  noAddress: "refused: the host name does not resolve",
  connect: "could not connect to the endpoint",
  timeout: "no answer in time",
  redirect: "redirects are not followed (HTTP 3xx)"
} as const
export type OutboundRefusal = (typeof Reasons)[keyof typeof Reasons]

const refusedV4 = new BlockList()
for (const [net, bits] of [
  ["0.0.0.0", 8], // "this network", and 0.0.0.0 which reaches the local host
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // CGNAT (100.100.100.200: Alibaba Cloud metadata)
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local (169.254.169.254: AWS, GCP, Azure metadata)
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4] // reserved, and 255.255.255.255
] as const)
  refusedV4.addSubnet(net, bits, "ipv4")

const globalUnicastV6 = new BlockList()
globalUnicastV6.addSubnet("2000::", 3, "ipv6")
const refusedV6 = new BlockList()
for (const [net, bits] of [
  ["2001::", 32], // Teredo
  ["2001:db8::", 32], // documentation
  ["2002::", 16] // 6to4 (embeds an IPv4 address)
] as const)
  refusedV6.addSubnet(net, bits, "ipv6")
const loopback = new BlockList()
loopback.addSubnet("127.0.0.0", 8, "ipv4")
loopback.addAddress("::1", "ipv6")
loopback.addSubnet("::ffff:127.0.0.0", 104, "ipv6")

/** Is this address one we may connect to? (`allowLocal` admits loopback only.) */
export const isPublicAddress = (address: string, allowLocal = false): boolean => {
  const family = isIP(address)
  if (family === 0) return false
  const type = family === 4 ? "ipv4" : "ipv6"
  if (allowLocal && loopback.check(address, type)) return true
  if (family === 4) return !refusedV4.check(address, "ipv4")
  // BlockList matches an IPv4-mapped IPv6 address against IPv4 rules too; mapped ones are outside 2000::/3 anyway.
  return globalUnicastV6.check(address, "ipv6") && !refusedV6.check(address, "ipv6")
}

/** The URL when its form is acceptable (scheme, no credentials), else the reason. */
export const parseOutboundUrl = (raw: string, policy: Pick<OutboundPolicy, "allowLocal">): URL | OutboundRefusal => {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return Reasons.notAUrl
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && policy.allowLocal)) return url.protocol === "http:" ? Reasons.notHttps : Reasons.notAUrl
  if (url.username !== "" || url.password !== "") return Reasons.credentials
  if (url.hostname === "") return Reasons.notAUrl
  return url
}

const bareHost = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, "$1")

type Lookup = (host: string, options: { all: true; verbatim: true }, callback: (error: Error | null, addresses: Array<LookupAddress>) => void) => void

/**
 * Name lookups for hosts a user gave us, bounded. `dns.lookup` (getaddrinfo) runs on libuv's thread
 * pool, 4 threads shared with every other lookup of the process (Daraja, WhatsApp, Meta) and with
 * file and crypto work, and it has no deadline of its own: a few URLs whose names a slow
 * authoritative server answers late would hold every thread. So at most MAX_LOOKUPS of these run at
 * once; the others wait their turn, and every caller gets an answer ("does not resolve") after
 * LOOKUP_DEADLINE_MS, queued or running. A lookup still running when its caller gave up keeps its
 * turn until the system answers: the bound holds on threads, not just on callers.
 */
export const MAX_LOOKUPS = 2
export const LOOKUP_DEADLINE_MS = 5_000

// node:dns's lookup through its live binding, called when a lookup starts (not captured once)
const systemLookup: Lookup = (host, options, callback) => dnsLookup(host, options, callback)

export const boundedLookup = (lookup: Lookup = systemLookup, max = MAX_LOOKUPS, deadlineMs = LOOKUP_DEADLINE_MS) => {
  let running = 0
  const waiting: Array<() => void> = []
  const next = () => waiting.shift()?.()
  const release = () => {
    running--
    next()
  }
  return (host: string): Promise<Array<LookupAddress> | undefined> =>
    new Promise((done) => {
      let answered = false
      const answer = (a: Array<LookupAddress> | undefined) => {
        if (answered) return
        answered = true
        clearTimeout(timer)
        done(a)
      }
      const timer = setTimeout(() => answer(undefined), deadlineMs)
      const start = () => {
        if (answered) return next() // gave up while queued: the turn goes to the next in line
        running++
        lookup(host, { all: true, verbatim: true }, (error, addresses) => {
          release()
          answer(error === null ? addresses : undefined)
        })
      }
      if (running < max) start()
      else waiting.push(start)
    })
}

const lookupHost = boundedLookup()

/** Resolves the host (an IP literal is its own answer) and picks a checked address; every answer must be public. */
export const resolvePublic = async (host: string, allowLocal: boolean): Promise<LookupAddress | OutboundRefusal> => {
  const family = isIP(host)
  if (family !== 0) return isPublicAddress(host, allowLocal) ? { address: host, family } : Reasons.notPublic
  const addresses = await lookupHost(host)
  if (addresses === undefined || addresses.length === 0) return Reasons.noAddress
  if (!addresses.every((a) => isPublicAddress(a.address, allowLocal))) return Reasons.notPublic
  return addresses[0]!
}

/** Checks a URL as a delivery would (form, then DNS): undefined when it may be used. */
export const checkOutboundUrl = async (raw: string, policy: Pick<OutboundPolicy, "allowLocal">): Promise<OutboundRefusal | undefined> => {
  const url = parseOutboundUrl(raw, policy)
  if (typeof url === "string") return url
  const resolved = await resolvePublic(bareHost(url), policy.allowLocal)
  return typeof resolved === "string" ? resolved : undefined
}

export type OutboundResult = { readonly status: number } | { readonly refused: OutboundRefusal }

/**
 * One POST to a checked address. Answers the status (any, including 3xx: never followed) or a
 * fixed reason. `signal` aborts it (an interrupted fiber).
 */
export const postOutbound = async (
  raw: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  policy: OutboundPolicy,
  signal?: AbortSignal
): Promise<OutboundResult> => {
  const deadline = AbortSignal.timeout(policy.timeoutMs)
  const url = parseOutboundUrl(raw, policy)
  if (typeof url === "string") return { refused: url }
  const timedOut = new Promise<OutboundResult>((done) => deadline.addEventListener("abort", () => done({ refused: Reasons.timeout }), { once: true }))
  const resolved = await Promise.race([resolvePublic(bareHost(url), policy.allowLocal), timedOut])
  if (typeof resolved === "string") return { refused: resolved }
  if (!("address" in resolved)) return resolved
  const checked = resolved
  return new Promise<OutboundResult>((done) => {
    let settled = false
    const finish = (r: OutboundResult) => {
      if (settled) return
      settled = true
      req.destroy()
      done(r)
    }
    const send = url.protocol === "https:" ? httpsRequest : httpRequest
    const req = send(url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
      // Connect to the address that was checked, whatever the resolver would say now.
      lookup: (_host, options, callback) => {
        const cb = callback as unknown as (e: Error | null, a: string | Array<LookupAddress>, f?: number) => void
        if ((options as { all?: boolean }).all === true) cb(null, [checked])
        else cb(null, checked.address, checked.family)
      },
      agent: false,
      signal: AbortSignal.any([deadline, ...(signal ? [signal] : [])])
    })
    req.on("response", (res: IncomingMessage) => {
      const status = res.statusCode ?? 0
      let read = 0
      res.on("data", (chunk: Buffer) => {
        read += chunk.length
        if (read >= policy.maxResponseBytes) finish({ status })
      })
      res.on("end", () => finish({ status }))
      res.on("error", () => finish({ status }))
    })
    req.on("error", () => finish({ refused: deadline.aborted ? Reasons.timeout : Reasons.connect }))
    req.end(body)
  })
}
