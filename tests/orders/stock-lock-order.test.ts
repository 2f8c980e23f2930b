/**
 * Regression for the stock-lock deadlock fixed in ba5c0d1, on real PostgreSQL with two real
 * connections: two two-seller checkouts A and B share products X (store a) and Y (store b). Their
 * orders are settled (or expired, or restocked) order by order, crosswise: T1 handles A's X-order
 * then A's Y-order, T2 handles B's Y-order then B's X-order. Locked order by order, T1 held X and
 * wanted Y while T2 held Y and wanted X: "deadlock detected" (40P01). Since the fix, the first such
 * statement of a checkout locks all of its stock rows in (variant, location) order, so T2 waits for
 * T1 instead, and both commit.
 *
 * The interleaving is forced, not hoped for: T2 starts only once T1 holds its first rows, and T1
 * goes on only once T2's first statement has either finished (the old code: T2 now holds Y) or is
 * seen waiting on a lock (pg_blocking_pids; the fixed code: T2 waits behind T1). No sleeps.
 * The transactions use the Database service directly, not UnitOfWork, which would retry a deadlock.
 */
import { Deferred, Effect, Either, Fiber, Schedule } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { placeCheckout } from "../../application/checkout/place-checkout.js"
import { OrderStore } from "../../application/orders/order.port.js"
import type { StoreUnavailable } from "../../application/ports/unit-of-work.js"
import { Database, DbError } from "../../adapters/postgres/database.js"
import { insertProduct, insertVariant } from "../../adapters/postgres/seed.js"
import type { CheckoutId, OrderId } from "../../domain/ids.js"
import { useTestDatabase } from "../support/test-database.js"
import { checkoutCommand, newBuyer, runtimeFor, seedWorld, uniq } from "../support/world.js"
import type { WorldRuntime } from "../support/world.js"

const db = useTestDatabase()
let runtime: WorldRuntime

beforeAll(async () => {
  await seedWorld(db.sql)
  runtime = runtimeFor(db.sql)
})
afterAll(async () => {
  await runtime.dispose()
})

const ON_HAND = 10
/** A buys 1 X and 2 Y, B buys 3 X and 4 Y: distinct quantities, so every figure below says whose stock moved. */
const QTY = { A: { x: 1, y: 2 }, B: { x: 3, y: 4 } } as const

interface Checkout {
  readonly id: CheckoutId
  /** the order of store a (holding X) and of store b (holding Y) */
  readonly x: OrderId
  readonly y: OrderId
}

/** Fresh X (store a) and Y (store b), ON_HAND each, and checkouts A and B each holding both. */
const twoCrossingCheckouts = async () => {
  const x = uniq("var_x")
  const y = uniq("var_y")
  for (const [variantId, storeId] of [
    [x, "sto_a"],
    [y, "sto_b"]
  ] as const) {
    const productId = `prd_${variantId}`
    await insertProduct(db.sql, { id: productId, storeId, title: `Product ${variantId}`, price: 1_000_00 })
    await insertVariant(db.sql, { id: variantId, productId, sku: variantId, weightGrams: 300, storeId, onHand: ON_HAND })
  }
  const place = async (q: { x: number; y: number }): Promise<Checkout> => {
    const buyer = await newBuyer(db.sql)
    const s = await runtime.runPromise(
      placeCheckout(
        checkoutCommand(buyer, [
          { variantId: x, quantity: q.x },
          { variantId: y, quantity: q.y }
        ])
      )
    )
    const orderOf = (storeId: string) => {
      const o = s.orders.find((o) => o.storeId === storeId)
      if (o === undefined) throw new Error(`checkout ${s.checkoutId} has no order of ${storeId}`)
      return o.orderId
    }
    expect(s.orders).toHaveLength(2)
    return { id: s.checkoutId, x: orderOf("sto_a"), y: orderOf("sto_b") }
  }
  const A = await place(QTY.A)
  const B = await place(QTY.B)
  expect(await stock(x, y)).toEqual({ x: { on_hand: ON_HAND, reserved: 4 }, y: { on_hand: ON_HAND, reserved: 6 } })
  return { x, y, A, B }
}

const stock = async (x: string, y: string) => {
  const rows = await db.sql<Array<{ variant_id: string; on_hand: number; reserved: number }>>`
    select variant_id, on_hand, reserved from inventory where variant_id in (${x}, ${y})`
  const of = (v: string) => {
    const r = rows.find((r) => r.variant_id === v)
    return r === undefined ? undefined : { on_hand: r.on_hand, reserved: r.reserved }
  }
  return { x: of(x), y: of(y) }
}

const reservationStates = async (checkouts: ReadonlyArray<Checkout>) => {
  const rows = await db.sql<Array<{ state: string }>>`
    select r.state from inventory_reservations r join orders o on o.id = r.order_id
     where o.checkout_id in ${db.sql(checkouts.map((c) => c.id))} order by r.state`
  return rows.map((r) => r.state)
}

/** "committed", or what failed, with its SQLSTATE (40P01: deadlock detected). */
const outcome = (e: Either.Either<void, unknown>): string => {
  if (Either.isRight(e)) return "committed"
  const err = e.left
  const cause = err instanceof DbError ? err : (err as StoreUnavailable).cause
  return cause instanceof DbError ? `failed ${cause.code}: ${cause.message}` : `failed: ${String(err)}`
}

type Step = (orderId: OrderId) => Effect.Effect<void, StoreUnavailable, OrderStore>

/**
 * T1 = transaction { step(A.x); <T1 holds>; wait for T2's first step to finish or block; step(A.y) }
 * T2 = transaction { wait for <T1 holds>; step(B.y); step(B.x) }
 * each on its own pooled connection; returns both outcomes.
 */
const crosswise = (step: Step, A: Checkout, B: Checkout) =>
  Effect.gen(function* () {
    const database = yield* Database
    const t1Holds = yield* Deferred.make<void>()
    const t2Pid = yield* Deferred.make<number>()
    const t2FirstDone = yield* Deferred.make<void>()

    // Polled on the test's own pool, outside both transactions. pg_blocking_pids reads the lock
    // manager live (not the per-transaction statistics snapshot pg_stat_activity would give).
    const t2Blocked = (pid: number) =>
      Effect.promise(() => db.sql<Array<{ n: number }>>`select cardinality(pg_blocking_pids(${pid}))::int as n`).pipe(
        Effect.map((rows) => (rows[0]?.n ?? 0) > 0),
        Effect.repeat({ until: (blocked) => blocked, schedule: Schedule.spaced("5 millis") }),
        Effect.asVoid
      )

    const t1 = database.transaction(
      Effect.gen(function* () {
        yield* step(A.x)
        yield* Deferred.succeed(t1Holds, undefined)
        const pid = yield* Deferred.await(t2Pid)
        yield* Effect.raceFirst(Deferred.await(t2FirstDone), t2Blocked(pid)).pipe(
          Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error("T2's first statement neither finished nor blocked") })
        )
        yield* step(A.y)
      })
    )
    const t2 = database.transaction(
      Effect.gen(function* () {
        yield* Deferred.await(t1Holds)
        const [me] = yield* database.query((sql) => sql<Array<{ pid: number }>>`select pg_backend_pid() as pid`)
        yield* Deferred.succeed(t2Pid, me!.pid)
        yield* step(B.y)
        yield* Deferred.succeed(t2FirstDone, undefined)
        yield* step(B.x)
      })
    )
    const f1 = yield* Effect.fork(Effect.either(t1))
    const f2 = yield* Effect.fork(Effect.either(t2))
    const [e1, e2] = yield* Fiber.join(Fiber.zip(f1, f2))
    return { T1: outcome(e1), T2: outcome(e2) }
  })

const confirm: Step = (orderId) => Effect.flatMap(OrderStore, (s) => s.confirmReservations(orderId))
const release: Step = (orderId) => Effect.flatMap(OrderStore, (s) => s.releaseHolds(orderId, Date.now()))
const restock: Step = (orderId) => Effect.flatMap(OrderStore, (s) => s.restock(orderId))

describe("stock rows are locked in one global order across a checkout's orders (Postgres)", () => {
  it("settling two two-seller checkouts crosswise (A: X then Y, B: Y then X): both commit, no deadlock, stock leaves exactly once", async () => {
    const { x, y, A, B } = await twoCrossingCheckouts()
    const outcomes = await runtime.runPromise(crosswise(confirm, A, B))
    expect(outcomes).toEqual({ T1: "committed", T2: "committed" })
    expect(await stock(x, y)).toEqual({ x: { on_hand: ON_HAND - 4, reserved: 0 }, y: { on_hand: ON_HAND - 6, reserved: 0 } })
    expect(await reservationStates([A, B])).toEqual(["CONFIRMED", "CONFIRMED", "CONFIRMED", "CONFIRMED"])
  })

  it("expiring two two-seller checkouts crosswise: both commit, every hold is released once", async () => {
    const { x, y, A, B } = await twoCrossingCheckouts()
    const outcomes = await runtime.runPromise(crosswise(release, A, B))
    expect(outcomes).toEqual({ T1: "committed", T2: "committed" })
    expect(await stock(x, y)).toEqual({ x: { on_hand: ON_HAND, reserved: 0 }, y: { on_hand: ON_HAND, reserved: 0 } })
    expect(await reservationStates([A, B])).toEqual(["RELEASED", "RELEASED", "RELEASED", "RELEASED"])
  })

  it("restocking two settled two-seller checkouts crosswise: both commit, the stock comes back once", async () => {
    const { x, y, A, B } = await twoCrossingCheckouts()
    // Settled one after the other, no race here.
    await runtime.runPromise(Effect.forEach([A.x, A.y, B.x, B.y], (id) => Effect.flatMap(Database, (d) => d.transaction(confirm(id))), { discard: true }))
    expect(await stock(x, y)).toEqual({ x: { on_hand: ON_HAND - 4, reserved: 0 }, y: { on_hand: ON_HAND - 6, reserved: 0 } })
    const outcomes = await runtime.runPromise(crosswise(restock, A, B))
    expect(outcomes).toEqual({ T1: "committed", T2: "committed" })
    expect(await stock(x, y)).toEqual({ x: { on_hand: ON_HAND, reserved: 0 }, y: { on_hand: ON_HAND, reserved: 0 } })
    expect(await reservationStates([A, B])).toEqual(["RELEASED", "RELEASED", "RELEASED", "RELEASED"])
  })
})
