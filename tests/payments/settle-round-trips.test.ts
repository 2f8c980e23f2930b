/**
 * What settling a paid two-order checkout costs in PostgreSQL statements and client writes, pinned
 * (bench:flow is CPU-bound on them: each statement is a loopback write, a wake-up and the
 * Effect/postgres.js plumbing). A confirmed M-Pesa callback is reconciled (reconcileCallback ->
 * settle -> payOrders) on a pool with postgres.js's `debug` hook, through a TCP relay counting the
 * client's writes (tests/support/pg-relay.ts); counted: the settling transaction, BEGIN to COMMIT.
 *
 *   - the settling transaction issues a pinned number of statements, in at most a pinned number of
 *     writes, and settles all of it: both orders PAID with one timeline entry each, their stock
 *     confirmed, the three payment postings balanced, CHECKOUT_PAID and both ORDER_PAID, the checkout PAID;
 *   - OrderStore.post writes all its postings in one statement, the same rows in the same order as
 *     writing them one by one did, each idempotency key once, the balance still checked at COMMIT.
 * Before this (main at 25269ea): 27 statements in 26 writes, and 2 statements per posting. Both tests
 * fail there (27 != 17; 0 one-statement postings), while the rows the second test expects are those
 * main writes. A regression that re-adds a statement fails here; an intended change updates the numbers.
 */
import { Effect, Either, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cancelCheckout } from "../../application/checkout/cancel-checkout.js"
import { placeCheckout } from "../../application/checkout/place-checkout.js"
import { recordCallback, reconcileCallback } from "../../application/payments/reconcile.js"
import { PaymentStore } from "../../application/payments/payment.port.js"
import { OrderStore } from "../../application/orders/order.port.js"
import { PaymentGateway } from "../../application/ports/payment-gateway.js"
import { UnitOfWork } from "../../application/ports/unit-of-work.js"
import { ledgerRows } from "../../adapters/postgres/ledger-rows.js"
import type { OrderId } from "../../domain/ids.js"
import { Accounts, posting } from "../../domain/ledger.js"
import type { Posting } from "../../domain/ledger.js"
import type { Money } from "../../domain/money.js"
import { Database, makePool } from "../../adapters/postgres/database.js"
import type { Sql } from "../../adapters/postgres/database.js"
import { insertProduct, insertPromotion, insertVariant } from "../../adapters/postgres/seed.js"
import { DisbursementStoreLive } from "../../adapters/postgres/disbursement-store.js"
import { ExceptionQueueLive } from "../../adapters/postgres/exception-queue.js"
import { PaymentStoreLive } from "../../adapters/postgres/payment-store.js"
import { persistenceLayer } from "../../composition/platform.js"
import { pgRelay } from "../support/pg-relay.js"
import { scansOfLongTables } from "../support/plans.js"
import type { SentStatement } from "../support/statement-recorder.js"
import { useTestDatabase } from "../support/test-database.js"
import { checkoutCommand, newBuyer, seedWorld, uniq } from "../support/world.js"
import { relayFor } from "../../adapters/postgres/outbox-relay.js"

const db = useTestDatabase()
const PHONE = "254708374149"
let relay: Awaited<ReturnType<typeof pgRelay>>
let pool: Sql
/** The statements sent while recording, as sent with their parameters, and the relay's count of the client's writes when each was built. */
let recording: Array<SentStatement & { readonly writesBefore: number; readonly tripsBefore: number }> | undefined
/** A statement's text with its whitespace collapsed, as the assertions read it. */
const collapsed = (r: SentStatement) => r.query.replace(/\s+/g, " ").trim()

const unimplemented = (method: string) => () => Effect.die(new Error(`PaymentGateway: unimplemented method ${method}`))
/** Daraja's STK query says Paid; nothing else is asked. */
const PaidGateway = Layer.succeed(PaymentGateway, {
  stkQuery: () => Effect.succeed({ _tag: "Paid" as const, resultCode: "0", resultDesc: "The service request is processed successfully." }),
  stkPush: unimplemented("stkPush"),
  b2cPayment: unimplemented("b2cPayment"),
  b2cStatusQuery: unimplemented("b2cStatusQuery")
})

const layer = () => Layer.mergeAll(PaymentStoreLive, ExceptionQueueLive, DisbursementStoreLive, PaidGateway).pipe(Layer.provideMerge(persistenceLayer(pool)))
let run: <A, E>(effect: Effect.Effect<A, E, Layer.Layer.Success<ReturnType<typeof layer>>>) => Promise<A>
let dispose: () => Promise<void>

beforeAll(async () => {
  await seedWorld(db.sql)
  // Prices in cents and a platform-funded promotion: the checkout's payment takes all three postings
  // (received into escrow, incentive funding, whole-shilling rounding).
  for (const [id, storeId, price] of [
    ["var_cents_a", "sto_a", 1_234_55],
    ["var_cents_b", "sto_b", 987_65]
  ] as const) {
    await insertProduct(db.sql, { id: `prd_${id}`, storeId, title: id, price })
    await insertVariant(db.sql, { id, productId: `prd_${id}`, sku: id, weightGrams: 300, storeId, onHand: 100 })
  }
  await insertPromotion(db.sql, {
    id: "promo_settle_10",
    name: "10% off everything",
    startsAt: new Date(Date.now() - 86_400_000),
    endsAt: new Date(Date.now() + 86_400_000),
    scope: { _tag: "EVERYTHING" },
    effect: { _tag: "PERCENT_OFF", bps: 1_000 }
  })
  relay = await pgRelay(db.url, undefined, 20)
  // The application's pool (adapters/postgres/database.ts makePool), with its statement hook.
  pool = makePool(relay.url, {
    max: 2,
    onStatement: (query, parameters) => void recording?.push({ query, parameters, writesBefore: relay.writes(), tripsBefore: relay.trips() })
  })
  const runtime = ManagedRuntime.make(layer())
  run = (effect) => runtime.runPromise(effect)
  dispose = () => runtime.dispose()
})
afterAll(async () => {
  await dispose?.()
  await pool?.end({ timeout: 5 })
  await relay?.close()
})

/** A two-order checkout (store a's dress, store b's basket), an accepted push for its charge, and Daraja's Paid callback stored. */
const paidCallback = async (extra: Parameters<typeof checkoutCommand>[2] = {}) => {
  const buyer = await newBuyer(db.sql)
  const checkout = await run(
    placeCheckout(
      checkoutCommand(
        buyer,
        [
          { variantId: "var_cents_a", quantity: 1 },
          { variantId: "var_cents_b", quantity: 2 }
        ],
        extra
      )
    )
  )
  expect(checkout.orders).toHaveLength(2)
  const stkRequestId = uniq("stk")
  const checkoutRequestId = uniq("ws_CO")
  const receipt = uniq("R").replace(/_/g, "").toUpperCase().slice(0, 20)
  await run(
    Effect.flatMap(PaymentStore, (store) =>
      Effect.zipRight(
        store.insertRequest({ id: stkRequestId, checkoutId: checkout.checkoutId, phone: PHONE, amount: checkout.charge, at: Date.now() }),
        store.requestAccepted(stkRequestId, uniq("mr"), checkoutRequestId)
      )
    )
  )
  const raw = {
    Body: {
      stkCallback: {
        MerchantRequestID: "m",
        CheckoutRequestID: checkoutRequestId,
        ResultCode: 0,
        ResultDesc: "The service request is processed successfully.",
        CallbackMetadata: {
          Item: [
            { Name: "Amount", Value: checkout.charge.amount / 100 },
            { Name: "MpesaReceiptNumber", Value: receipt },
            { Name: "TransactionDate", Value: 20260101120000 },
            { Name: "PhoneNumber", Value: Number(PHONE) }
          ]
        }
      }
    }
  }
  const callbackId = await run(recordCallback({ raw, checkoutRequestId }))
  return { checkout, callbackId }
}

/**
 * The settling transaction's statements (BEGIN to COMMIT: reconcileCallback's last transaction) and
 * the client's writes it took. Every statement before BEGIN had its answer before BEGIN was built,
 * so the relay had counted their writes by then.
 */
/** The outbox relay has handed over what was committed so far (adapters/postgres/outbox-relay.ts): it is not what a test counts. */
const relayed = () => run(Effect.flatMap(Database, (db) => Effect.promise(() => relayFor(db).flush())))

const settled = async (callbackId: string) => {
  // what the callback's commit left for the outbox relay is handed over before anything is counted
  await relayed()
  recording = []
  try {
    const outcome = await run(reconcileCallback(callbackId))
    // (BEGIN carries the lifting of the pool's statement_timeout: database.ts, beginStatement)
    const begin = recording.findLastIndex((r) => /^begin\b/.test(collapsed(r)))
    const settling = recording.slice(begin)
    return {
      outcome,
      statements: settling.map(collapsed),
      /** the round trips begun before each statement was built */
      tripsBefore: settling.map((r) => r.tripsBefore),
      writes: relay.writes() - settling[0]!.writesBefore,
      trips: relay.trips() - settling[0]!.tripsBefore
    }
  } finally {
    recording = undefined
  }
}

const matching = (statements: ReadonlyArray<string>, pattern: RegExp) => statements.filter((s) => pattern.test(s)).length

describe("settling a paid checkout in statements", () => {
  it("a confirmed callback settles a two-order checkout in a pinned number of statements, all of it", async () => {
    // Once per pool and process, not per settle: postgres.js's array types.
    const warm = await paidCallback()
    expect((await settled(warm.callbackId)).outcome).toBe("PAID")

    const { checkout, callbackId } = await paidCallback()
    const s = await settled(callbackId)
    expect(s.outcome).toBe("PAID")
    const listing = s.statements.join("\n")
    // begin; the callback, its push (locked) and the receipt's holder; the push settled, the checkout
    // locked and its orders read; the checkout PAID and both orders locked (one statement); the
    // postings (one statement), and per order its move with its timeline entry; the callback marked;
    // the three events (CHECKOUT_PAID, both ORDER_PAID: one statement) and both orders' stock (one
    // statement), gathered and sent with COMMIT (adapters/postgres/unit-of-work.ts); commit
    expect(s.statements, listing).toHaveLength(16)
    // The hot stock rows are locked by the last statement before COMMIT, in the same trip: held only
    // while the server runs it and COMMIT, not through a round trip to the application (before, each
    // order's stock was confirmed with its move, two trips before COMMIT).
    expect(matching(s.statements, /^with stock_locked as materialized/), listing).toBe(1)
    expect(s.statements.at(-2), listing).toMatch(/^with stock_locked as materialized/)
    expect(s.tripsBefore.at(-2), listing).toBe(s.tripsBefore.at(-1))
    expect(matching(s.statements, /insert into outbox/), listing).toBe(1)
    expect(matching(s.statements, /for update of o$/), listing).toBe(1)
    expect(matching(s.statements, /insert into ledger_transactions/), listing).toBe(1)
    expect(matching(s.statements, /insert into ledger_entries/), listing).toBe(1)
    expect(matching(s.statements, /insert into order_timeline/), listing).toBe(2)
    // and in 7 writes (5 round trips; postgres.js flushes a chunk at 1 KiB, so the pipeline after the
    // lock leaves in two, and the events' insert and COMMIT in two, neither waiting for an answer):
    // BEGIN and the first reads, the push and checkout, the lock, the writes and the callback marked
    // (a write nobody waits for), the events, COMMIT
    expect(s.writes, listing).toBeLessThanOrEqual(7)

    const orderIds = checkout.orders.map((o) => o.orderId)
    const orders = await db.sql`select state from orders where id in ${db.sql(orderIds)}`
    expect(orders.map((o) => o["state"])).toEqual(["PAID", "PAID"])
    const timeline = await db.sql`select count(*)::int as n from order_timeline where order_id in ${db.sql(orderIds)} and to_state = 'PAID'`
    expect(timeline[0]!["n"]).toBe(2)
    const reservations = await db.sql`select r.state from inventory_reservations r where r.order_id in ${db.sql(orderIds)}`
    expect(reservations.map((r) => r["state"])).toEqual(["CONFIRMED", "CONFIRMED"])
    const postings = await db.sql`
      select t.kind, count(e.*)::int as entries, sum(e.amount)::bigint as balance
        from ledger_transactions t join ledger_entries e on e.transaction_id = t.id
       where t.checkout_id = ${checkout.checkoutId} or t.order_id in ${db.sql(orderIds)}
       group by t.kind order by t.kind`
    expect(postings.map((p) => [p["kind"], p["entries"]])).toEqual([
      ["INCENTIVE_FUNDING", 4],
      ["PAYMENT_RECEIVED", 3],
      ["ROUNDING_ABSORBED", 4]
    ])
    for (const p of postings) expect(Number(p["balance"])).toBe(0)
    const events =
      await db.sql`select event_type from outbox where aggregate_id in ${db.sql([...orderIds, checkout.checkoutId] as Array<string>)} and event_type in ('ORDER_PAID', 'CHECKOUT_PAID') order by event_type`
    expect(events.map((e) => e["event_type"])).toEqual(["CHECKOUT_PAID", "ORDER_PAID", "ORDER_PAID"])
    const paidCheckout = await db.sql`select state from checkouts where id = ${checkout.checkoutId}`
    expect(paidCheckout.map((c) => c["state"])).toEqual(["PAID"])
  })

  it("the postings of one call are one statement: the domain's rows in order, each key once (a replay and a repeated key write nothing), the balance checked at COMMIT", async () => {
    const { checkout } = await paidCallback() // rows for the postings to name; not settled
    await relayed() // its commits' relay run, before anything is counted
    const [a, b] = checkout.orders.map((o) => o.orderId) as [OrderId, OrderId]
    const kes = (amount: number): Money => ({ amount, currency: "KES" })
    const reference = checkout.checkoutId
    const received = posting("PAYMENT_RECEIVED", reference, "M-Pesa TEST", [
      { account: Accounts.mpesaClearing, amount: kes(300_00) },
      { account: Accounts.escrow(a), amount: kes(-100_00) },
      { account: Accounts.escrow(b), amount: kes(-200_00) }
    ])
    const funding = posting("INCENTIVE_FUNDING", reference, "funding", [
      { account: Accounts.platformIncentiveExpense, amount: kes(10_00) },
      { account: Accounts.escrow(a), amount: kes(-10_00) }
    ])
    const rounding = posting("ROUNDING_ABSORBED", reference, "rounding", [
      { account: Accounts.platformRoundingExpense, amount: kes(45) },
      { account: Accounts.escrow(b), amount: kes(-45) }
    ])
    const post = (postings: ReadonlyArray<Posting>) =>
      run(Effect.flatMap(UnitOfWork, (u) => u.transaction(Effect.flatMap(OrderStore, (o) => o.post(postings, Date.now())))))
    const rows = async () =>
      (
        await db.sql<Array<{ kind: string; account: string; account_ref: string | null; order_id: string | null; currency: string; amount: number }>>`
          select t.kind, e.account, e.account_ref, e.order_id, e.currency, e.amount
            from ledger_entries e join ledger_transactions t on t.id = e.transaction_id
           where t.checkout_id = ${reference} order by e.id`
      ).map((r) => ({ ...r, currency: r.currency.trim() }))
    const expected = (postings: ReadonlyArray<Posting>) =>
      postings.flatMap((p) =>
        ledgerRows(p).entries.map((e) => ({
          kind: p.kind,
          account: e.account,
          account_ref: e.account_ref,
          order_id: e.order_id,
          currency: e.currency,
          amount: e.amount
        }))
      )

    recording = []
    await post([received, funding])
    const statements = recording.map(collapsed)
    recording = undefined
    expect(matching(statements, /^with posting as/), statements.join("\n")).toBe(1)
    expect(statements, statements.join("\n")).toHaveLength(3) // begin, the postings, commit
    expect(await rows()).toEqual(expected([received, funding]))

    // a replay of both with a new one, and the new one's key twice: only the first of those is written
    const roundingAgain = posting("ROUNDING_ABSORBED", reference, "rounding, again", [
      { account: Accounts.platformRoundingExpense, amount: kes(99) },
      { account: Accounts.escrow(a), amount: kes(-99) }
    ])
    await post([received, funding, rounding, roundingAgain])
    expect(await rows()).toEqual(expected([received, funding, rounding]))
    await post([rounding])
    expect(await rows()).toEqual(expected([received, funding, rounding]))

    // an unbalanced posting (the domain refuses to build one) is refused by the database at COMMIT
    const unbalanced: Posting = {
      kind: "REFUND",
      reference: a,
      memo: "unbalanced",
      entries: [
        { account: Accounts.escrow(a), amount: kes(1_00) },
        { account: Accounts.mpesaClearing, amount: kes(-2_00) }
      ]
    }
    const refused = await run(
      Effect.either(Effect.flatMap(UnitOfWork, (u) => u.transaction(Effect.flatMap(OrderStore, (o) => o.post([unbalanced], Date.now())))))
    )
    expect(refused._tag).toBe("Left")
    expect(String(Either.isLeft(refused) ? refused.left.message : "")).toMatch(/unbalanced/)
    expect((await db.sql`select count(*)::int as n from ledger_transactions where order_id = ${a}`)[0]!["n"]).toBe(0)
  })

  it("in a long history, placing (with an affiliate code), settling, restocking and cancelling look their rows up by index", async () => {
    const HISTORY = 20_000
    const [stock] = await db.sql<Array<{ location: string }>>`select stock_location_id as location from inventory where variant_id = 'var_cents_a'`
    await db.sql`insert into users (id, phone, roles, affiliate_code)
      select 'usr_hist_' || g, '2547' || (30000000 + g), array['BUYER'], 'HIST' || g from generate_series(1, ${HISTORY}::int) g`
    await db.sql`insert into checkouts (id, buyer_id, idempotency_key, request_hash, state, currency, subtotal, total, charge_amount, payer_phone,
        destination_location_id, created_at, expires_at, paid_at)
      select 'chk_hist_' || g, 'usr_hist_' || g, 'k', 'h', 'PAID', 'KES', 100, 100, 100, '254708374149', 'KE-047-westlands',
        now() - interval '2 days', now() - interval '1 day', now() - interval '2 days' from generate_series(1, ${HISTORY}::int) g`
    await db.sql`insert into orders (id, checkout_id, store_id, buyer_id, state, currency, subtotal, total, destination_location_id, paid_at)
      select 'ord_hist_' || g, 'chk_hist_' || g, 'sto_a', 'usr_hist_' || g, 'PAID', 'KES', 100, 100, 'KE-047-westlands', now() - interval '2 days'
        from generate_series(1, ${HISTORY}::int) g`
    await db.sql`insert into inventory_reservations (checkout_id, order_id, variant_id, stock_location_id, quantity, state)
      select 'chk_hist_' || g, 'ord_hist_' || g, 'var_cents_a', ${stock!.location}, 1, 'CONFIRMED' from generate_series(1, ${HISTORY}::int) g`
    await db.sql`insert into incentive_burns (incentive_kind, promotion_id, version, buyer_id, checkout_id, order_id, currency, amount, state, created_at)
      select 'PROMOTION', 'promo_settle_10', 1, 'usr_hist_' || g, 'chk_hist_' || g, 'ord_hist_' || g, 'KES', 10, 'ACTIVE', now() - interval '2 days'
        from generate_series(1, ${HISTORY}::int) g`
    await db.sql`insert into outbox (event_type, aggregate_type, aggregate_id, payload, occurred_at, published_at, attempts)
      select 'ORDER_PAID', 'Order', 'ord_hist_' || g, '{}'::jsonb, now() - interval '2 days', now() - interval '2 days', 1 from generate_series(1, ${HISTORY}::int) g`
    // (what autovacuum does on a live database; this machine's server runs without it)
    await db.sql`analyze users, checkouts, orders, inventory_reservations, incentive_burns, outbox`

    recording = []
    let sent: NonNullable<typeof recording>
    try {
      const { checkout, callbackId } = await paidCallback({ affiliateCode: "akinyi" })
      expect(checkout.orders).toHaveLength(2)
      expect(await run(reconcileCallback(callbackId))).toBe("PAID")
      // a paid order's stock back on the shelf (a return), by its confirmed reservation
      const returned = checkout.orders[0]!.orderId
      await run(Effect.flatMap(UnitOfWork, (u) => u.transaction(Effect.flatMap(OrderStore, (o) => o.restock(returned)))))
      const restocked = await db.sql`select state from inventory_reservations where order_id = ${returned}`
      expect(restocked.map((r) => r["state"])).toEqual(["RELEASED"])
      const buyer = await newBuyer(db.sql)
      const unpaid = await run(placeCheckout(checkoutCommand(buyer, [{ variantId: "var_cents_a", quantity: 1 }])))
      await run(cancelCheckout({ checkoutId: unpaid.checkoutId, buyerId: buyer }))
      const released = await db.sql`select state from inventory_reservations where checkout_id = ${unpaid.checkoutId}`
      expect(released.map((r) => r["state"])).toEqual(["RELEASED"])
      const attributed = await db.sql`select affiliate_user_id from checkouts where id = ${checkout.checkoutId}`
      expect(attributed.map((r) => r["affiliate_user_id"])).toEqual(["usr_affiliate"])
    } finally {
      sent = recording
      recording = undefined
    }

    const { explained, found } = await scansOfLongTables(
      db.sql,
      sent,
      new Set(["users", "checkouts", "orders", "inventory_reservations", "incentive_burns", "outbox"])
    )
    expect(explained).toBeGreaterThan(20)
    expect(found).toEqual([])
  })
})
