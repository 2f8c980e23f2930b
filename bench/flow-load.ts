/**
 * The buyers for bench/flow.ts, in their own process. Reads {base, buyers: [{token, phone}], clients,
 * seconds, pollMs, pollWait, products} as JSON on stdin; each client takes the next unused buyer and walks the
 * whole flow (add two items, preview with shipping, check out, STK push, poll until PAID) until the
 * time is up. Prints {flows: [{paidMs, totalMs, polls}], failures, wallMs} as JSON on stdout.
 */
import { text } from "node:stream/consumers"
import { setTimeout as sleep } from "node:timers/promises"

const input = JSON.parse(await text(process.stdin)) as {
  base: string
  buyers: Array<{ token: string; phone: string }>
  clients: number
  seconds: number
  pollMs: number
  /** > 0: each poll asks to be held up to this many seconds while the prompt is pending (?wait=N) */
  pollWait: number
  products: number
}

const call = async (method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${input.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { "content-type": "application/json" }), ...headers },
    ...(body !== undefined && { body: JSON.stringify(body) })
  })
  const json = (await res.json()) as Record<string, unknown>
  return { status: res.status, json }
}

const expect = (step: string, got: { status: number; json: unknown }, status: number) => {
  if (got.status !== status) throw new Error(`${step}: HTTP ${got.status} ${JSON.stringify(got.json).slice(0, 300)}`)
}

/** One buyer's whole flow; returns the time from the STK push request to PAID seen, and the whole flow's. */
const flow = async (i: number) => {
  const buyer = input.buyers[i]!
  const t0 = performance.now()
  // Two sellers per cart, like bench:api.
  expect("add", await call("POST", "/api/v1/cart/items", buyer.token, { variantId: `var_${i % input.products}`, quantity: 1 + (i % 3) }), 201)
  expect("add", await call("POST", "/api/v1/cart/items", buyer.token, { variantId: `var_${(i * 7 + 3) % input.products}`, quantity: 1 }), 201)
  const preview = await call("GET", "/api/v1/cart?destination=KE-047-westlands", buyer.token)
  expect("preview", preview, 200)
  const placed = await call("POST", "/api/v1/checkouts", buyer.token, { destination: "KE-047-westlands" }, { "idempotency-key": `flow-${i}` })
  expect("checkout", placed, 201)
  const checkoutId = String(placed.json["checkoutId"])
  const tPay = performance.now()
  expect("pay", await call("POST", `/api/v1/checkouts/${checkoutId}/payments`, buyer.token, { phone: `+${buyer.phone}` }), 202)
  let polls = 0
  for (;;) {
    polls++
    const seen = await call("GET", `/api/v1/checkouts/${checkoutId}${input.pollWait > 0 ? `?wait=${input.pollWait}` : ""}`, buyer.token)
    expect("poll", seen, 200)
    if (seen.json["state"] === "PAID") break
    if (seen.json["state"] !== "PENDING_PAYMENT") throw new Error(`checkout ${checkoutId} ended ${String(seen.json["state"])}`)
    await sleep(input.pollMs)
  }
  const end = performance.now()
  return { paidMs: end - tPay, totalMs: end - t0, polls }
}

const flows: Array<{ paidMs: number; totalMs: number; polls: number }> = []
const failures: Array<string> = []
let next = 0
const started = performance.now()
const deadline = started + input.seconds * 1000
await Promise.all(
  Array.from({ length: input.clients }, async () => {
    while (performance.now() < deadline && next < input.buyers.length) {
      const i = next++
      try {
        flows.push(await flow(i))
      } catch (e) {
        failures.push(String(e))
      }
    }
  })
)
process.stdout.write(JSON.stringify({ flows, failures, wallMs: performance.now() - started }))
