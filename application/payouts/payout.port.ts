/** PayoutStore: balances owed to sellers, affiliates and riders, and the weekly batches that pay them. */
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { PayeeBalance } from "../../domain/commission.js"
import type { PayoutBatchId } from "../../domain/ids.js"
import type { Currency } from "../../domain/money.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export class PayoutStore extends Context.Tag("amana/PayoutStore")<
  PayoutStore,
  {
    /**
     * Serializes, until the end of the current transaction, whoever reads the balances to pay them
     * (the weekly selection) with whoever takes money out of a payable that no payout carries yet
     * (FINANCE's fraud rejection of a commission): otherwise a rejection committing between the
     * selection's read and its write finds no payout to pull from, and the payout pays it anyway.
     */
    readonly lockBalances: () => Effect.Effect<void, StoreUnavailable>
    /** What each payee is owed from COMPLETED orders, minus payouts already in flight. */
    readonly payableBalances: () => Effect.Effect<ReadonlyArray<PayeeBalance>, StoreUnavailable>
    /** Creates the week's DRAFT batch for a currency once; Some(batchId) when created now, None when it already existed. */
    readonly createBatch: (
      weekKey: string,
      currency: Currency,
      payouts: ReadonlyArray<PayeeBalance>
    ) => Effect.Effect<Option.Option<{ readonly batchId: PayoutBatchId; readonly payouts: number }>, StoreUnavailable>
  }
>() {}
