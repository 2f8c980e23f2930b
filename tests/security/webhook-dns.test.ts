/**
 * Issue 11 item 1, the DNS half: a webhook host is judged by EVERY address it resolves to, and the
 * socket connects to the address that was checked, never to what a second lookup would say (DNS
 * rebinding: public when checked, internal when connected). The resolver is replaced for these
 * tests (node:dns's lookup, re-synced into the ES module bindings the adapter imports).
 */
import dns from "node:dns"
import type { LookupAddress } from "node:dns"
import { createServer } from "node:http"
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"
import { syncBuiltinESMExports } from "node:module"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { checkOutboundUrl, postOutbound, Reasons } from "../../adapters/webhooks/outbound.js"

const realLookup = dns.lookup
let answers: Array<Array<LookupAddress>> = []
let lookups = 0
const fakeLookup = ((_host: string, _options: unknown, callback: (e: Error | null, a: Array<LookupAddress>) => void) => {
  const answer = answers[Math.min(lookups, answers.length - 1)] ?? []
  lookups++
  callback(null, answer)
}) as unknown as typeof dns.lookup

let server: Server
let hits = 0
beforeAll(async () => {
  server = createServer((_req, res) => {
    hits++
    res.writeHead(204).end()
  })
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  dns.lookup = fakeLookup
  syncBuiltinESMExports()
})
afterEach(() => {
  lookups = 0
  answers = []
})
afterAll(async () => {
  dns.lookup = realLookup
  syncBuiltinESMExports()
  await new Promise<void>((done) => server.close(() => done()))
})

const v4 = (address: string): LookupAddress => ({ address, family: 4 })

describe("webhook hosts and DNS", () => {
  it("a name is refused when any one of its addresses is internal, whichever comes first", async () => {
    for (const mixed of [
      [v4("8.8.8.8"), v4("127.0.0.1")],
      [v4("10.0.0.7"), v4("8.8.8.8")],
      [v4("8.8.4.4"), { address: "fd00:ec2::254", family: 6 }],
      [v4("8.8.8.8"), v4("169.254.169.254")]
    ]) {
      answers = [mixed]
      expect(await checkOutboundUrl("https://shop.example/hook", { allowLocal: false })).toBe(Reasons.notPublic)
    }
    answers = [[v4("8.8.8.8"), { address: "2001:4860:4860::8888", family: 6 }]]
    expect(await checkOutboundUrl("https://shop.example/hook", { allowLocal: false })).toBeUndefined()
  })

  it("the socket goes to the checked address: a second lookup that now says otherwise is never asked", async () => {
    const port = (server.address() as AddressInfo).port
    // checked: loopback (the development setting admits it); any later lookup would say a metadata address
    answers = [[v4("127.0.0.1")], [v4("169.254.169.254")]]
    const sent = await postOutbound(`http://rebind.example:${port}/hook`, "{}", {}, { allowLocal: true, timeoutMs: 5_000, maxResponseBytes: 1024 })
    expect(sent).toEqual({ status: 204 })
    expect(lookups).toBe(1)
    expect(hits).toBe(1)
    // without the development setting the same name is refused before any connection
    answers = [[v4("127.0.0.1")]]
    expect(await postOutbound(`https://rebind.example:${port}/hook`, "{}", {}, { allowLocal: false, timeoutMs: 5_000, maxResponseBytes: 1024 })).toEqual({
      refused: Reasons.notPublic
    })
    expect(hits).toBe(1)
  })
})
