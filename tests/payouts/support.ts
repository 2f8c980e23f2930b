/**
 * What the payout tests share: a balance owed (a seeded, balanced ledger posting), a Daraja that
 * must never be reached (payouts without a B2C rail), and the weekly batch run at a given time.
 */
import { Effect, Layer, TestClock, TestContext } from "effect"
import { B2CCallbackUrls } from "../../application/payouts-execution/disbursement.port.js"
import { PaymentGateway } from "../../application/ports/payment-gateway.js"
import { selectWeeklyPayoutBatch } from "../../application/payouts/select-payout-batch.js"
import type { Sql } from "../../adapters/postgres/database.js"

export const FRIDAY_NOON_NAIROBI = Date.UTC(2026, 10, 20, 9, 0)

/** `owing(db)` (the test database, read when called) gives `owe(account, ref, cents, currency)`: the platform owes `ref` this much (escrow released to its payable account). */
export const owing = (db: { readonly sql: Sql }) => {
  let seeded = 0
  return (account: "SELLER_PAYABLE" | "AFFILIATE_PAYABLE", ref: string, cents: number, currency = "KES") =>
    db.sql.begin(async (tx) => {
      const [t] =
        await tx`insert into ledger_transactions (kind, idempotency_key) values ('ESCROW_RELEASED', ${`seed:${account}:${ref}:${++seeded}`}) returning id`
      await tx`insert into ledger_entries (transaction_id, account, account_ref, currency, amount) values
        (${t!["id"]}, 'ESCROW', 'ord_seed', ${currency}, ${cents}), (${t!["id"]}, ${account}, ${ref}, ${currency}, ${-cents})`
    })
}

/** Fails loudly: a payout without a B2C rail must never reach Daraja. */
export const noDaraja = Layer.mergeAll(
  Layer.succeed(
    PaymentGateway,
    PaymentGateway.of({
      stkPush: () => Effect.die("PaymentGateway: unimplemented method stkPush"),
      stkQuery: () => Effect.die("PaymentGateway: unimplemented method stkQuery"),
      b2cPayment: () => Effect.die("PaymentGateway: a payout without a B2C rail reached Daraja"),
      b2cStatusQuery: () => Effect.die("PaymentGateway: unimplemented method b2cStatusQuery")
    })
  ),
  Layer.succeed(B2CCallbackUrls, B2CCallbackUrls.of({ urlsFor: () => Effect.die("B2CCallbackUrls: unimplemented method urlsFor") }))
)

/** The weekly batch, run as if the clock said `ms`. */
export const selectBatchAt = (ms: number) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(ms)
    return yield* selectWeeklyPayoutBatch()
  }).pipe(Effect.provide(TestContext.TestContext))
