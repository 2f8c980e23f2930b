/**
 * Who is asking, for per-address limits (OTP, admin login).
 *
 * TRUST_PROXY (off by default) says which hops in front of us may set X-Forwarded-For: a hop count
 * ("1": one reverse proxy) or a comma list of proxy addresses / subnets ("10.0.0.5, 10.1.0.0/16",
 * or express's names "loopback", "linklocal", "uniquelocal"). "true" (believe any hop) is refused:
 * every client could then pick its own address and walk around every per-address limit. Off, the
 * TCP peer is the client; behind a proxy that would put every user in the proxy's one bucket.
 */
import { isIPv4, isIPv6 } from "node:net"

export type TrustProxy = false | number | ReadonlyArray<string>

export class TrustProxyInvalid extends Error {
  constructor(detail: string) {
    super(`TRUST_PROXY ${detail}`)
  }
}

export const parseTrustProxy = (raw: string | undefined): TrustProxy => {
  const v = (raw ?? "").trim().toLowerCase()
  if (v === "" || v === "false" || v === "0" || v === "off") return false
  if (v === "true") throw new TrustProxyInvalid("=true would let every client choose its own address: give the number of proxy hops or the proxies' addresses")
  if (/^\d+$/.test(v)) {
    const hops = Number(v)
    if (!Number.isSafeInteger(hops) || hops > 10) throw new TrustProxyInvalid(`must be a small number of hops, got ${v}`)
    return hops
  }
  const entries = v
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "")
  for (const e of entries) {
    const [address, bits, more] = e.split("/")
    const named = e === "loopback" || e === "linklocal" || e === "uniquelocal"
    const ok = named || (more === undefined && address !== undefined && (isIPv4(address) || isIPv6(address)) && (bits === undefined || /^\d{1,3}$/.test(bits)))
    if (!ok) throw new TrustProxyInvalid(`has an entry that is not an address, a subnet or loopback/linklocal/uniquelocal: ${e.slice(0, 60)}`)
  }
  return entries
}

/** Expands an IPv6 address to 8 groups (no "::", no embedded IPv4). */
const ipv6Groups = (address: string): Array<number> => {
  let text = address.split("%")[0] ?? address
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4 !== null) {
    const [a, b, c, d] = (v4[1] ?? "").split(".").map(Number) as [number, number, number, number]
    text = `${text.slice(0, -(v4[1] ?? "").length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, tail] = text.includes("::") ? (text.split("::") as [string, string]) : [text, undefined]
  const h = head === "" ? [] : head.split(":")
  const t = tail === undefined || tail === "" ? [] : tail.split(":")
  const fill = tail === undefined ? [] : Array.from({ length: 8 - h.length - t.length }, () => "0")
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16))
}

/**
 * The key a client is limited under: an IPv4 address as is (also when it came IPv4-mapped), an
 * IPv6 address by its /64 (one subscriber is usually given a whole /64 and could rotate inside it).
 */
export const clientAddressKey = (ip: string | undefined): string => {
  if (ip === undefined || ip === "") return "unknown"
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (mapped !== null) return mapped[1] ?? ip
  if (isIPv4(ip)) return ip
  if (!isIPv6(ip)) return "unknown"
  const g = ipv6Groups(ip)
  if (g.slice(0, 6).every((x, i) => x === (i === 5 ? 0xffff : 0))) return `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(":")}::/64`
}
