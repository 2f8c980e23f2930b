/**
 * GET /checkouts/:id reads in one snapshot and takes no lock (issue 10.7): it is one statement, so
 * a reconciliation-like writer committing while buyers poll can never show them a cancelled payment
 * beside orders still waiting for it; and neither waits for the other.
 */
import { CheckoutId } from "../../domain/ids.js"
import { Layer, ManagedRuntime } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import { persistenceLayer } from "../../composition/platform.js"
import { PaymentStoreLive } from "../../adapters/postgres/payment-store.js"
import { placeCheckout } from "../../application/checkout/place-checkout.js"
import { viewCheckout } from "../../application/checkout/view-checkout.js"
import { useTestDatabase } from "../support/test-database.js"
import { checkoutCommand, newBuyer, seedWorld, uniq } from "../support/world.js"

const db = useTestDatabase()

beforeAll(async () => {
  await seedWorld(db.sql)
})

type Seen = { state: string; payment?: { status: string } | undefined; orders: ReadonlyArray<{ state: string }> }
const consistent = (seen: Seen) => {
  const orderStates = new Set(seen.orders.map((o) => o.state))
  return (
    (seen.state === "PENDING_PAYMENT" && seen.payment?.status === "PENDING" && [...orderStates].every((s) => s === "PENDING_PAYMENT")) ||
    (seen.state === "CANCELLED" && seen.payment?.status === "CANCELLED" && [...orderStates].every((s) => s === "CANCELLED_BY_USER"))
  )
}

describe("the checkout view", () => {
  it("is one snapshot: while a writer flips the payment, its orders and the checkout together, no read is torn, and neither waits for the other", async () => {
    const runtime = ManagedRuntime.make(PaymentStoreLive.pipe(Layer.provideMerge(persistenceLayer(db.sql))))
    try {
      const buyer = await newBuyer(db.sql)
      const placed = await runtime.runPromise(
        placeCheckout(
          checkoutCommand(buyer, [
            { variantId: "var_dress", quantity: 1 },
            { variantId: "var_basket", quantity: 1 }
          ])
        )
      )
      const stk = uniq("stk")
      await db.sql`insert into mpesa_stk_requests (id, checkout_id, phone, amount, checkout_request_id) values (${stk}, ${placed.checkoutId}, '254708374149', ${placed.charge.amount}, ${uniq("ws_CO")})`
      const id = CheckoutId.make(placed.checkoutId)

      // The writer holds its row locks, uncommitted: the view does not wait, and shows the old state whole.
      const writerHolds = db.sql.begin(async (tx) => {
        await tx`update mpesa_stk_requests set status = 'CANCELLED', result_code = 1032, completed_at = now() where id = ${stk}`
        await tx`update orders set state = 'CANCELLED_BY_USER' where checkout_id = ${placed.checkoutId}`
        await tx`update checkouts set state = 'CANCELLED' where id = ${placed.checkoutId}`
        const during = await runtime.runPromise(viewCheckout(buyer, id))
        expect({ checkout: during.state, payment: during.payment?.status }).toEqual({ checkout: "PENDING_PAYMENT", payment: "PENDING" })
        throw new Error("roll back")
      })
      await expect(writerHolds).rejects.toThrow("roll back")

      // A writer flipping everything at once, back and forth, while buyers poll: every view is whole.
      let stop = false
      const flips = (async () => {
        let n = 0
        while (!stop) {
          const cancel = n++ % 2 === 0
          await db.sql.begin(async (tx) => {
            await tx`update mpesa_stk_requests set status = ${cancel ? "CANCELLED" : "PENDING"} where id = ${stk}`
            await tx`select pg_sleep(0.002)`
            await tx`update orders set state = ${cancel ? "CANCELLED_BY_USER" : "PENDING_PAYMENT"} where checkout_id = ${placed.checkoutId}`
            await tx`select pg_sleep(0.002)`
            await tx`update checkouts set state = ${cancel ? "CANCELLED" : "PENDING_PAYMENT"} where id = ${placed.checkoutId}`
          })
        }
        return n
      })()
      const torn: Array<string> = []
      const states = new Set<string>()
      for (let i = 0; i < 300; i++) {
        const seen = await runtime.runPromise(viewCheckout(buyer, id))
        states.add(seen.state)
        if (!consistent(seen)) torn.push(JSON.stringify({ checkout: seen.state, payment: seen.payment?.status, orders: seen.orders.map((o) => o.state) }))
      }
      stop = true
      expect(await flips).toBeGreaterThan(10)
      expect(states).toEqual(new Set(["PENDING_PAYMENT", "CANCELLED"])) // the reads did see the writer's commits
      expect(torn, `torn reads: ${torn.slice(0, 3).join(" ")}`).toEqual([])
    } finally {
      await runtime.dispose()
    }
  }, 60_000)
})
