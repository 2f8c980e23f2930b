/**
 * The buyers for bench/flash.ts, in their own process: every buyer at once (up to `clients` in
 * flight) tries to check out one unit. Reads {url, tokens, clients, variantId, keyPrefix} as JSON on stdin;
 * prints {results: [{status, code, ms, at}], wallMs, cpuMs (its own CPU)} as JSON on stdout.
 */
import { text } from "node:stream/consumers"

const input = JSON.parse(await text(process.stdin)) as { url: string; tokens: Array<string>; clients: number; variantId: string; keyPrefix?: string }

const results: Array<{ status: number; code: string; ms: number; at: number }> = []
let next = 0
const started = performance.now()
await Promise.all(
  Array.from({ length: input.clients }, async () => {
    while (next < input.tokens.length) {
      const i = next++
      const t0 = performance.now()
      try {
        const res = await fetch(input.url, {
          method: "POST",
          headers: { authorization: `Bearer ${input.tokens[i]}`, "content-type": "application/json", "idempotency-key": `${input.keyPrefix ?? "flash"}-${i}` },
          body: JSON.stringify({ destination: "KE-047-westlands", items: [{ variantId: input.variantId, quantity: 1 }] })
        })
        const body = (await res.json()) as { code?: unknown }
        results.push({ status: res.status, code: typeof body.code === "string" ? body.code : "", ms: performance.now() - t0, at: t0 - started })
      } catch (e) {
        results.push({ status: 0, code: String(e), ms: performance.now() - t0, at: t0 - started })
      }
    }
  })
)
const cpu = process.cpuUsage()
process.stdout.write(JSON.stringify({ results, wallMs: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000 }))
