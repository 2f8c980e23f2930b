/**
 * The load generator for bench/api.ts, in its own process so the server under test does not share
 * its event loop with the clients. Reads {url, tokens, clients, from, count, products, buyers} as
 * JSON on stdin; prints {latencies, wallMs} as JSON on stdout.
 */
import { text } from "node:stream/consumers"

const input = JSON.parse(await text(process.stdin)) as {
  url: string
  tokens: Array<string>
  clients: number
  from: number
  count: number
  products: number
}

const checkout = async (i: number) => {
  const res = await fetch(input.url, {
    method: "POST",
    headers: { authorization: `Bearer ${input.tokens[i % input.tokens.length]}`, "content-type": "application/json", "idempotency-key": `bench-${i}` },
    body: JSON.stringify({
      destination: "KE-047-westlands",
      // Two sellers per cart, like a real social-commerce basket.
      items: [
        { variantId: `var_${i % input.products}`, quantity: 1 + (i % 3) },
        { variantId: `var_${(i * 7 + 3) % input.products}`, quantity: 1 }
      ]
    })
  })
  await res.arrayBuffer()
  if (res.status !== 201) throw new Error(`checkout ${i}: HTTP ${res.status}`)
}

const latencies: Array<number> = []
let next = input.from
const started = performance.now()
await Promise.all(
  Array.from({ length: input.clients }, async () => {
    while (next < input.from + input.count) {
      const i = next++
      const t0 = performance.now()
      await checkout(i)
      latencies.push(performance.now() - t0)
    }
  })
)
process.stdout.write(JSON.stringify({ latencies, wallMs: performance.now() - started }))
