/**
 * GET /api/v1/checkouts/:id?wait=N: a poll made while the M-Pesa prompt is pending is held until the
 * checkout or its payment changes (announced by db/migrations/0081 over LISTEN/NOTIFY,
 * adapters/postgres/checkout-changes.ts) or N seconds pass; in any other state it answers at once.
 * Real PostgreSQL, the fake Daraja; the worker's part is run by drainOutbox.
 */
import { Duration, Effect, Fiber, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CheckoutChanges } from "../../application/ports/checkout-changes.js"
import { CheckoutChangesLive } from "../../adapters/postgres/checkout-changes.js"
import { CheckoutId } from "../../domain/ids.js"
import type { UserId } from "../../domain/ids.js"
import { viewCheckout, watchCheckout } from "../../application/checkout/view-checkout.js"
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
    for (const wait of ["21", "-1", "1.5", "soon", "", "1e1", "0x10", "%205", "100"]) {
      const bad = await call(api, "GET", `/api/v1/checkouts/${p.checkoutId}?wait=${wait}`, { token: p.buyer.token })
      expect(bad.status, `wait=${wait}`).toBe(400)
      expect(bad.body.code).toBe("REQUEST.INVALID")
      expect(bad.body.detail).toContain("wait is whole seconds, from 0 to 20")
    }
    const plain = await timed(() => call(api, "GET", `/api/v1/checkouts/${p.checkoutId}`, { token: p.buyer.token }))
    expect(plain.result.body).toMatchObject({ state: "PENDING_PAYMENT", payment: { status: "PENDING" } })
    expect(plain.ms).toBeLessThan(3_000)
  })
})

describe("CheckoutChanges over LISTEN/NOTIFY", () => {
  type Changes = CheckoutChanges["Type"]
  const changes = <A>(f: (c: Changes) => Effect.Effect<A>, maxWaiting?: number) =>
    Effect.runPromise(
      Effect.scoped(
        Effect.flatMap(Layer.build(CheckoutChangesLive(db.sql, maxWaiting === undefined ? {} : { maxWaiting })), (ctx) =>
          f(ctx.unsafeMap.get(CheckoutChanges.key) as Changes)
        )
      )
    )
  /** Until a wait really waits (the feed is running: its probe was heard). */
  const running = (c: Changes, id: CheckoutId) =>
    Effect.repeat(
      Effect.flatMap(c.now, (since) => c.awaitChange(id, since, Duration.millis(30))),
      {
        until: (o) => o === "timedOut",
        times: 100
      }
    )

  it("a change committed between the caller's read and its wait is not missed; a rolled-back change announces nothing", async () => {
    const p = await pending("feed-race")
    const id = CheckoutId.make(p.checkoutId)
    const out = await changes((c) =>
      Effect.gen(function* () {
        const first = yield* running(c, id)
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
        return { first, missed, missedMs, quiet, rolledBack }
      })
    )
    expect(out.first).toBe("timedOut")
    expect(out.missed).toBe("changed")
    expect(out.missedMs).toBeLessThan(1_000)
    expect(out.quiet).toBe("timedOut")
    expect(out.rolledBack).toBe("timedOut")
  })

  it("a waiting caller is woken by the commit; past maxWaiting a caller cannot wait", async () => {
    const p = await pending("feed-wake")
    const id = CheckoutId.make(p.checkoutId)
    const out = await changes(
      (c) =>
        Effect.gen(function* () {
          yield* running(c, id)
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
    expect(out.second).toBe("unavailable")
    expect(out.secondMs).toBeLessThan(1_000)
    expect(out.woken._tag === "Success" && out.woken.value).toBe("changed")
    expect(out.wokenMs).toBeLessThan(5_000)
  })

  it("the feed's connection dropped: every waiting caller is woken to read again, and waits resume once it listens again", async () => {
    const p = await pending("feed-reconnect")
    const id = CheckoutId.make(p.checkoutId)
    const out = await changes((c) =>
      Effect.gen(function* () {
        yield* running(c, id)
        const waiter = yield* Effect.fork(c.awaitChange(id, yield* c.now, Duration.seconds(20)))
        yield* Effect.sleep("100 millis")
        const t0 = performance.now()
        const killed = yield* Effect.promise(
          () =>
            db.sql`select pg_terminate_backend(pid) as ok from pg_stat_activity where query like 'listen "amana_checkout_changed"%' and pid <> pg_backend_pid()`
        )
        const woken = yield* Fiber.join(waiter)
        const wokenMs = performance.now() - t0
        const again = yield* running(c, id)
        return { killed: killed.length, woken, wokenMs, again }
      })
    )
    expect(out.killed).toBeGreaterThanOrEqual(1)
    expect(out.woken).toBe("changed")
    expect(out.wokenMs).toBeLessThan(10_000)
    expect(out.again).toBe("timedOut")
  })
})

describe("watchCheckout (application/checkout/view-checkout.ts)", () => {
  const watch = (p: { buyer: { id: UserId }; checkoutId: string }, wait: Duration.DurationInput, abandoned?: Effect.Effect<void>) => {
    const id = CheckoutId.make(p.checkoutId)
    return watchCheckout(viewCheckout(p.buyer.id, id), p.buyer.id, id, Duration.decode(wait), abandoned)
  }

  it("the client went away: the wait ends at once, not at its limit", async () => {
    const p = await pending("watch-abandoned")
    const t0 = performance.now()
    const seen = await api.runtime.runPromise(watch(p, "15 seconds", Effect.sleep("300 millis")))
    const ms = performance.now() - t0
    expect(seen.state).toBe("PENDING_PAYMENT")
    expect(ms).toBeLessThan(5_000)
  })

  it("without a feed of changes it reads the checkout every second itself, and sees the payment settle", async () => {
    const p = await pending("watch-unfed")
    const unfed = Layer.succeed(
      CheckoutChanges,
      CheckoutChanges.of({ now: Effect.sync(() => performance.now()), awaitChange: () => Effect.succeed("unavailable" as const) })
    )
    const settle = (async () => {
      await new Promise((r) => setTimeout(r, 400))
      await api.fake.sendCallback(p.checkoutRequestId)
      await drainOutbox(api, db.sql)
    })()
    const t0 = performance.now()
    const seen = await api.runtime.runPromise(Effect.provide(watch(p, "15 seconds"), unfed))
    const ms = performance.now() - t0
    await settle
    expect(seen.state).toBe("PAID")
    expect(ms).toBeLessThan(10_000)
  })
})
