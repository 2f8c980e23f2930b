/**
 * The clients for bench/request-cpu.ts, in their own process. Reads {base, route, requests, from,
 * clients, buyers (tokens), products} as JSON on stdin. `setup` gives each buyer a checkout waiting
 * for payment; `healthz`, `poll` (GET /api/v1/checkouts/:id), `cart` (POST /api/v1/cart/items) and
 * `preview` (GET /api/v1/cart?destination=..., the buyer's cart as `cart` left it) make `requests` requests over `clients` connections, buyer after buyer from `from`. Prints
 * {statuses, checkouts (setup's), wallMs} as JSON on stdout.
 */
import { text } from "node:stream/consumers"

const input = JSON.parse(await text(process.stdin)) as {
  base: string
  route: string
  requests: number
  from: number
  clients: number
  buyers: Array<string>
  /** each buyer's checkout (from setup) */
  checkouts: Array<string>
  products: number
}

const call = async (method: string, path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${input.base}${path}`, {
    method,
    headers: {
      ...(token !== undefined && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { "content-type": "application/json" }),
      ...headers
    },
    ...(body !== undefined && { body: JSON.stringify(body) })
  })
  return { status: res.status, json: (await res.json()) as Record<string, unknown> }
}

const statuses: Record<string, number> = {}
const count = (s: number) => void (statuses[s] = (statuses[s] ?? 0) + 1)
const placed: Array<string> = []

const one = async (k: number) => {
  const i = k % input.buyers.length
  const token = input.buyers[i]!
  switch (input.route) {
    case "setup": {
      await call("POST", "/api/v1/cart/items", token, { variantId: `var_${i % input.products}`, quantity: 1 })
      const checkout = await call("POST", "/api/v1/checkouts", token, { destination: "KE-047-westlands" }, { "idempotency-key": `rc-${i}` })
      placed[i] = String(checkout.json["checkoutId"])
      return count(checkout.status)
    }
    case "healthz":
      return count((await call("GET", "/healthz", undefined)).status)
    case "poll":
      return count((await call("GET", `/api/v1/checkouts/${input.checkouts[i]!}`, token)).status)
    case "cart":
      return count((await call("POST", "/api/v1/cart/items", token, { variantId: `var_${k % input.products}`, quantity: 1 })).status)
    case "preview":
      return count((await call("GET", "/api/v1/cart?destination=KE-047-westlands", token)).status)
    default:
      throw new Error(`no route ${input.route}`)
  }
}

let next = 0
const started = performance.now()
await Promise.all(
  Array.from({ length: input.clients }, async () => {
    while (next < input.requests) await one(input.from + next++)
  })
)
process.stdout.write(JSON.stringify({ statuses, checkouts: placed, wallMs: performance.now() - started }))
