/**
 * GET /api/v1/checkouts/:id?wait=N: a poll made while the M-Pesa prompt is pending is held until the
 * checkout or its payment changes (announced by db/migrations/0081 over LISTEN/NOTIFY,
 * adapters/postgres/checkout-changes.ts) or N seconds pass; in any other state it answers at once.
 * Real PostgreSQL, the fake Daraja; the worker's part is run by drainOutbox.
 */
import { Duration, Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CheckoutChanges } from "../../application/ports/checkout-changes.js"
import { CheckoutChangesLive } from "../../adapters/postgres/checkout-changes.js"
import { CheckoutId } from "../../domain/ids.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, checkoutOneBasket, drainOutbox, newBuyer, seedShop, startApi } from "./support.js"
import type { Api } from "./support.js"

const db = useTestDatabase()
let api: Api
let shop: Awaited<ReturnType<typeof seedShop>>

beforeAll(async () => {
  shop = await seedShop(db.sql)
  api = await startApi(db.sql)
})
afterAll(async () => {
  await api?.close()
})

/** A checkout with a push pending on the buyer's phone. */
const pending = async (label: string) => {
  const placed = await checkoutOneBasket(api, db.sql, shop, label)
  const pay = await call(api, "POST", `/api/v1/checkouts/${placed.checkoutId}/payments`, {
    token: placed.buyer.token,
    body: { phone: `+${placed.buyer.phone}` }
  })
  expect(pay.status).toBe(202)
  return { ...placed, checkoutRequestId: pay.body.checkoutRequestId as string }
}

const timed = async <A>(f: () => Promise<A>) => {
  const t0 = performance.now()
  const result = await f()
  return { result, ms: performance.now() - t0 }
}

describe("a poll that waits for the payment", () => {
  it("held while the prompt is pending, answered PAID as soon as the worker settles it, long before the wait is up", async () => {
    const p = await pending("wait-paid")
    // (the first wait in a process may answer at once while the feed starts: one poll to start it)
    await call(api, "GET", `/api/v1/checkouts/${p.checkoutId}?wait=1`, { token: p.buyer.token })
    const poll = timed(() => call(api, "GET", `/api/v1/checkouts/${p.checkoutId}?wait=15`, { token: p.buyer.token }))
    await new Promise((r) => setTimeout(r, 400))
    expect((await api.fake.sendCallback(p.checkoutRequestId)).status).toBe(200)
    expect(await drainOutbox(api, db.sql)).toEqual([])
    const { result, ms } = await poll
    expect(result.status).toBe(200)
    expect(result.body).toMatchObject({ checkoutId: p.checkoutId, state: "PAID", payment: { status: "PAID" } })
    expect(ms).toBeGreaterThanOrEqual(350) // it waited for the settle...
    expect(ms).toBeLessThan(10_000) // ...not for the 15 s
  })

  it("a prompt nobody answers: the poll answers after the wait with the checkout as it stands", async () => {
    const p = await pending("wait-timeout")
    await call(api, "GET", `/api/v1/checkouts/${p.checkoutId}?wait=1`, { token: p.buyer.token })
    const { result, ms } = await timed(() => call(api, "GET", `/api/v1/checkouts/${p.checkoutId}?wait=1`, { token: p.buyer.token }))
    expect(result.status).toBe(200)
    expect(result.body).toMatchObject({ state: "PENDING_PAYMENT", payment: { status: "PENDING" } })
    expect(ms).toBeGreaterThanOrEqual(900)
    expect(ms).toBeLessThan(5_000)
  })

  it("nothing to wait for (no push yet, or already paid): answered at once", async () => {
    const unpaid = await checkoutOneBasket(api, db.sql, shop, "wait-nopush")
    const first = await timed(() => call(api, "GET", `/api/v1/checkouts/${unpaid.checkoutId}?wait=20`, { token: unpaid.buyer.token }))
    expect(first.result.body.state).toBe("PENDING_PAYMENT")
    expect(first.result.body.payment).toBeUndefined()
    expect(first.ms).toBeLessThan(3_000)

    const p = await pending("wait-done")
    await api.fake.sendCallback(p.checkoutRequestId)
    // (an earlier test's unanswered prompt stays pending: its poll fails, as it should)
    await drainOutbox(api, db.sql)
    const paid = await timed(() => call(api, "GET", `/api/v1/checkouts/${p.checkoutId}?wait=20`, { token: p.buyer.token }))
    expect(paid.result.body.state).toBe("PAID")
    expect(paid.ms).toBeLessThan(3_000)
  })

  it("someone else's checkout is 404 at once, a bad wait is 400, and without wait a poll never waits", async () => {
    const p = await pending("wait-other")
    const stranger = await newBuyer(db.sql)
    const other = await timed(() => call(api, "GET", `/api/v1/checkouts/${p.checkoutId}?wait=20`, { token: stranger.token }))
    expect(other.result.status).toBe(404)
    expect(other.ms).toBeLessThan(3_000)
    for (const wait of ["21", "-1", "1.5", "soon", ""]) {
      const bad = await call(api, "GET", `/api/v1/checkouts/${p.checkoutId}?wait=${wait}`, { token: p.buyer.token })
      expect(bad.status, `wait=${wait}`).toBe(400)
      expect(bad.body.code).toBe("REQUEST.INVALID")
    }
    const plain = await timed(() => call(api, "GET", `/api/v1/checkouts/${p.checkoutId}`, { token: p.buyer.token }))
    expect(plain.result.body).toMatchObject({ state: "PENDING_PAYMENT", payment: { status: "PENDING" } })
    expect(plain.ms).toBeLessThan(3_000)
  })
})

describe("CheckoutChanges over LISTEN/NOTIFY", () => {
  const changes = <A>(f: (c: CheckoutChanges["Type"]) => Effect.Effect<A>, maxWaiting?: number) =>
    Effect.runPromise(
      Effect.scoped(
        Effect.flatMap(Layer.build(CheckoutChangesLive(db.sql, maxWaiting === undefined ? {} : { maxWaiting })), (ctx) =>
          f(ctx.unsafeMap.get(CheckoutChanges.key) as CheckoutChanges["Type"])
        )
      )
    )

  it("a change committed between the caller's read and its wait is not missed; a rolled-back change announces nothing", async () => {
    const p = await pending("feed-race")
    const id = CheckoutId.make(p.checkoutId)
    const out = await changes((c) =>
      Effect.gen(function* () {
        yield* c.awaitChange(id, yield* c.now, Duration.millis(50)) // the feed starts
        const since = yield* c.now // "before the read"
        // the change commits after the read, before the wait begins
        yield* Effect.promise(() => db.sql`update mpesa_stk_requests set status = 'CANCELLED', result_code = 1032 where checkout_id = ${id}`)
        yield* Effect.sleep("300 millis")
        const t0 = performance.now()
        const missed = yield* c.awaitChange(id, since, Duration.seconds(10))
        const missedMs = performance.now() - t0
        // after it: nothing new, the wait runs to its limit
        const quiet = yield* c.awaitChange(id, yield* c.now, Duration.millis(300))
        // a change rolled back is never announced
        const rolledBackSince = yield* c.now
        yield* Effect.promise(() =>
          db.sql
            .begin(async (tx) => {
              await tx`update checkouts set state = 'CANCELLED' where id = ${id}`
              throw new Error("rolled back")
            })
            .catch(() => undefined)
        )
        const rolledBack = yield* c.awaitChange(id, rolledBackSince, Duration.millis(500))
        return { missed, missedMs, quiet, rolledBack }
      })
    )
    expect(out.missed).toBe(true)
    expect(out.missedMs).toBeLessThan(1_000)
    expect(out.quiet).toBe(false)
    expect(out.rolledBack).toBe(false)
  })

  it("a waiting caller is woken by the commit; past maxWaiting a caller does not wait", async () => {
    const p = await pending("feed-wake")
    const id = CheckoutId.make(p.checkoutId)
    const out = await changes(
      (c) =>
        Effect.gen(function* () {
          yield* c.awaitChange(id, yield* c.now, Duration.millis(50)) // the feed starts
          const first = yield* Effect.fork(c.awaitChange(id, yield* c.now, Duration.seconds(10)))
          yield* Effect.sleep("100 millis")
          const t0 = performance.now()
          const second = yield* c.awaitChange(id, yield* c.now, Duration.seconds(10)) // one waits already: the limit is 1
          const secondMs = performance.now() - t0
          yield* Effect.promise(() => db.sql`update mpesa_stk_requests set status = 'FAILED', result_code = 1 where checkout_id = ${id}`)
          const woken = yield* first.await
          return { second, secondMs, woken, wokenMs: performance.now() - t0 }
        }),
      1
    )
    expect(out.second).toBe(false)
    expect(out.secondMs).toBeLessThan(1_000)
    expect(out.woken._tag === "Success" && out.woken.value).toBe(true)
    expect(out.wokenMs).toBeLessThan(5_000)
  })
})
