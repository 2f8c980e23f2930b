/**
 * GET /checkouts/:id reads in one snapshot and takes no lock (issue 10.7). The read is paused
 * between its statements while a reconciliation-like writer cancels the payment and its orders and
 * commits: the view must show either all of the old state or all of the new one, never a cancelled
 * payment beside orders still waiting for it; and the writer must not wait for the reader.
 */
import { CheckoutId } from "../../domain/ids.js"
import { Deferred, Effect, Layer, ManagedRuntime } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import { persistenceLayer } from "../../composition/platform.js"
import { PaymentStoreLive } from "../../adapters/postgres/payment-store.js"
import { placeCheckout } from "../../application/checkout/place-checkout.js"
import { viewCheckout } from "../../application/checkout/view-checkout.js"
import { PaymentStore } from "../../application/payments/payment.port.js"
import { useTestDatabase } from "../support/test-database.js"
import { checkoutCommand, newBuyer, seedWorld, uniq } from "../support/world.js"

const db = useTestDatabase()

/** The live store, whose payment read first waits for `gate` (the test opens it once the writer committed). */
const pausedBefore = (reached: Deferred.Deferred<void>, gate: Deferred.Deferred<void>) =>
  Layer.effect(
    PaymentStore,
    Effect.map(PaymentStore, (live) => ({
      ...live,
      latestRequest: (checkoutId: CheckoutId) =>
        Effect.zipRight(Effect.zipRight(Deferred.succeed(reached, undefined), Deferred.await(gate)), live.latestRequest(checkoutId))
    }))
  ).pipe(Layer.provide(PaymentStoreLive))

beforeAll(async () => {
  await seedWorld(db.sql)
})

describe("the checkout view", () => {
  it("is one snapshot: a payment cancelled while the view is being read never shows beside PENDING_PAYMENT orders, and the writer is not blocked", async () => {
    const reached = Effect.runSync(Deferred.make<void>())
    const gate = Effect.runSync(Deferred.make<void>())
    const runtime = ManagedRuntime.make(pausedBefore(reached, gate).pipe(Layer.provideMerge(persistenceLayer(db.sql))))
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

      const view = runtime.runPromise(viewCheckout(buyer, CheckoutId.make(placed.checkoutId)))
      await Effect.runPromise(Deferred.await(reached))
      // The reader is between its statements: M-Pesa says 1032, and everything moves at once.
      await db.sql.begin(async (tx) => {
        await tx`set local lock_timeout = '2s'`
        await tx`update mpesa_stk_requests set status = 'CANCELLED', result_code = 1032, result_desc = 'Request cancelled by user', completed_at = now() where id = ${stk}`
        await tx`update orders set state = 'CANCELLED_BY_USER' where checkout_id = ${placed.checkoutId}`
        await tx`update checkouts set state = 'CANCELLED' where id = ${placed.checkoutId}`
      })
      await Effect.runPromise(Deferred.succeed(gate, undefined))
      const seen = await view

      const orderStates = new Set(seen.orders.map((o) => o.state))
      const consistent =
        (seen.state === "PENDING_PAYMENT" && seen.payment?.status === "PENDING" && [...orderStates].every((s) => s === "PENDING_PAYMENT")) ||
        (seen.state === "CANCELLED" && seen.payment?.status === "CANCELLED" && [...orderStates].every((s) => s === "CANCELLED_BY_USER"))
      expect(consistent, `torn read: ${JSON.stringify({ checkout: seen.state, payment: seen.payment?.status, orders: [...orderStates] })}`).toBe(true)
      // And afterwards the view shows the new state whole.
      const after = await runtime.runPromise(viewCheckout(buyer, CheckoutId.make(placed.checkoutId)))
      expect({ checkout: after.state, payment: after.payment?.status, orders: after.orders.map((o) => o.state) }).toEqual({
        checkout: "CANCELLED",
        payment: "CANCELLED",
        orders: ["CANCELLED_BY_USER", "CANCELLED_BY_USER"]
      })
    } finally {
      await runtime.dispose()
    }
  })
})
