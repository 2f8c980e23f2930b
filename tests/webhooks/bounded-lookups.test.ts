/**
 * The merchant webhook guard's name lookups are bounded (adapters/webhooks/outbound.ts,
 * boundedLookup): getaddrinfo runs on libuv's 4 threads, shared with Daraja's, WhatsApp's and Meta's
 * lookups, and has no deadline of its own. This machine's resolver cannot be made slow, so the
 * system lookup is stood in for by one that answers only when told to (what a slow authoritative
 * server looks like from here).
 */
import type { LookupAddress } from "node:dns"
import { describe, expect, it } from "vitest"
import { boundedLookup } from "../../adapters/webhooks/outbound.js"

const slowResolver = () => {
  const pending: Array<{ host: string; answer: (e: Error | null, a: Array<LookupAddress>) => void }> = []
  let peak = 0
  let inFlight = 0
  const lookup = (host: string, _o: unknown, answer: (e: Error | null, a: Array<LookupAddress>) => void) => {
    inFlight++
    peak = Math.max(peak, inFlight)
    pending.push({
      host,
      answer: (e, a) => {
        inFlight--
        answer(e, a)
      }
    })
  }
  return { lookup, pending, peak: () => peak, inFlight: () => inFlight }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe("bounded lookups of hosts a seller gave us", () => {
  it("ten slow names hold at most two lookups at once; every caller is answered 'does not resolve' at the deadline", async () => {
    const dns = slowResolver()
    const resolve = boundedLookup(dns.lookup, 2, 200)
    const started = Date.now()
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => resolve(`slow-${i}.example`)))
    expect(answers).toEqual(Array.from({ length: 10 }, () => undefined))
    expect(Date.now() - started).toBeLessThan(2_000) // answered at the deadline, not after every lookup in turn
    expect(dns.peak()).toBe(2)
    expect(dns.pending.map((p) => p.host)).toEqual(["slow-0.example", "slow-1.example"]) // the queued eight never reached the system
    // the two still running keep their turns until the system answers; then the next caller gets a turn at once
    const late = resolve("fine.example")
    await sleep(20)
    expect(dns.inFlight()).toBe(2)
    for (const p of dns.pending.splice(0, 2)) p.answer(new Error("SERVFAIL"), [])
    await sleep(20)
    expect(dns.pending.map((p) => p.host)).toEqual(["fine.example"])
    dns.pending[0]!.answer(null, [{ address: "93.184.216.34", family: 4 }])
    expect(await late).toEqual([{ address: "93.184.216.34", family: 4 }])
  })

  it("a name that answers in time is answered, and a failure is 'does not resolve'", async () => {
    const dns = slowResolver()
    const resolve = boundedLookup(dns.lookup, 2, 1_000)
    const ok = resolve("shop.example")
    const bad = resolve("nxdomain.example")
    await sleep(10)
    dns.pending[0]!.answer(null, [{ address: "2606:2800:220:1:248:1893:25c8:1946", family: 6 }])
    dns.pending[1]!.answer(Object.assign(new Error("ENOTFOUND"), { code: "ENOTFOUND" }), [])
    expect(await ok).toEqual([{ address: "2606:2800:220:1:248:1893:25c8:1946", family: 6 }])
    expect(await bad).toBeUndefined()
  })
})
