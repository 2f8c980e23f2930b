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
