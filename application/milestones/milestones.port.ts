/** MilestoneStore: the definitions, a store's progress (its completed orders) and what it has reached. */
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { MilestoneDefinition, StoreProgress } from "../../domain/milestones.js"
import type { OrderId, StoreId } from "../../domain/ids.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export interface Badge {
  readonly code: string
  readonly title: string
  readonly reachedAt: number
}

export class MilestoneStore extends Context.Tag("amana/MilestoneStore")<
  MilestoneStore,
  {
    readonly activeDefinitions: () => Effect.Effect<ReadonlyArray<MilestoneDefinition>, StoreUnavailable>
    /** From the store's COMPLETED orders. */
    readonly progress: (storeId: StoreId) => Effect.Effect<StoreProgress, StoreUnavailable>
    readonly reachedCodes: (storeId: StoreId) => Effect.Effect<ReadonlySet<string>, StoreUnavailable>
    /** Records it unless the store has it already; true when this call recorded it. */
    readonly record: (storeId: StoreId, code: string, orderId: OrderId, at: number) => Effect.Effect<boolean, StoreUnavailable>
    readonly badges: (storeId: StoreId) => Effect.Effect<ReadonlyArray<Badge>, StoreUnavailable>
    /** The owner's phone and the store's name, to congratulate. */
    readonly ownerContact: (storeId: StoreId) => Effect.Effect<Option.Option<{ readonly phone: string; readonly storeName: string }>, StoreUnavailable>
  }
>() {}
