/**
 * How far the chat bot may act alone, per store (issue 14): a parsed order whose confidence is at
 * least the store's threshold gets the "reply YES to pay" summary without a person; below it, the
 * takeover queue. The OWNER sets it (0.50 to 0.99, two decimals; default 0.80, the parser's
 * DEFAULT_THRESHOLD); audited with its event.
 */
import { Clock, Effect } from "effect"
import type { UserId } from "../../domain/ids.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { recordUserAction } from "../seller/record-user-action.js"
import { sellerStore, sellerWith } from "../seller/seller.js"
import { ConversationStore } from "./conversation.port.js"

export const chatSettings = (userId: UserId) =>
  Effect.gen(function* () {
    const store = yield* sellerStore(userId)
    const ctx = yield* Effect.flatMap(ConversationStore, (s) => s.intakeContext(store.storeId))
    return { confidenceThreshold: ctx.threshold }
  })

/** `threshold` is already bounded by the API's schema (0.50-0.99); it is rounded to two decimals. */
export const setChatSettings = (userId: UserId, threshold: number) =>
  Effect.gen(function* () {
    const store = yield* sellerWith(userId, "CHAT_SETTINGS")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    const next = Math.round(threshold * 100) / 100
    return yield* uow.transaction(
      Effect.gen(function* () {
        const s = yield* ConversationStore
        const before = yield* s.lockChatThreshold(store.storeId)
        if (before === next) return { confidenceThreshold: next }
        yield* s.setChatThreshold(store.storeId, next)
        yield* recordUserAction(
          { userId, role: store.role },
          {
            action: "STORE.CHAT_SETTINGS",
            entity: "store",
            entityId: store.storeId,
            before: { confidenceThreshold: before },
            after: { confidenceThreshold: next }
          },
          [
            {
              type: "STORE_CHAT_SETTINGS_CHANGED",
              aggregateType: "STORE",
              aggregateId: store.storeId,
              payload: { storeId: store.storeId, confidenceThreshold: next, at }
            }
          ]
        )
        return { confidenceThreshold: next }
      })
    )
  }).pipe(Effect.withSpan("Conversations.setChatSettings"))
