/**
 * Which store a WhatsApp number or Instagram account's chats belong to (`channel_accounts`). An
 * admin connects it in the back-office once the store has shown the account is theirs (Meta's
 * Business Manager): a seller cannot claim an account by themselves, or they could read another
 * store's buyers. One account serves one store; connecting one that serves another is refused.
 * Audited (CHANNEL.CONNECT / CHANNEL.DISCONNECT) with CHANNEL_CONNECTED / CHANNEL_DISCONNECTED.
 */
import { Clock, Effect, Option } from "effect"
import type { StoreId } from "../../domain/ids.js"
import { AdminInvalidInput } from "../admin/admin.errors.js"
import { authorize } from "../admin/admin-roles.js"
import type { AdminActor } from "../admin/admin-roles.js"
import { recordAdminAction } from "../admin/record-admin-action.js"
import type { ChannelName } from "../ports/channel.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { ConversationStore } from "./conversation.port.js"

const invalid = (detail: string) => new AdminInvalidInput({ detail })

/** Meta's ids: a WhatsApp phone number id and an Instagram account id are both digits. */
const ACCOUNT = /^\d{5,30}$/

const decode = (channel: string, account: string) =>
  Effect.gen(function* () {
    if (channel !== "WHATSAPP" && channel !== "INSTAGRAM") return yield* invalid("channel: WHATSAPP or INSTAGRAM")
    const id = account.trim()
    if (!ACCOUNT.test(id))
      return yield* invalid(
        `${channel === "WHATSAPP" ? "the WhatsApp phone number id" : "the Instagram account id"}: 5 to 30 digits (from Meta's Business Manager)`
      )
    return { channel: channel as ChannelName, account: id }
  })

/** The admin's right and the account, decoded: the prologue both changes share. */
const prepare = (actor: AdminActor, cmd: { readonly channel: string; readonly account: string }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "settings.manage")
    const decoded = yield* decode(cmd.channel, cmd.account)
    return { ...decoded, uow: yield* UnitOfWork, at: yield* Clock.currentTimeMillis }
  })

export const connectChannelAccount = (actor: AdminActor, cmd: { readonly storeId: StoreId; readonly channel: string; readonly account: string }) =>
  Effect.gen(function* () {
    const { channel, account, uow, at } = yield* prepare(actor, cmd)
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* ConversationStore
        const current = yield* store.storeForAccount(channel, account)
        if (Option.isSome(current))
          return current.value === cmd.storeId
            ? { connected: false as const }
            : yield* invalid(`${channel} ${account} already serves another store (${current.value}): disconnect it there first`)
        yield* store.connectAccount(channel, account, cmd.storeId, at)
        yield* recordAdminAction(actor, { action: "CHANNEL.CONNECT", entity: "store", entityId: cmd.storeId, before: null, after: { channel, account } }, [
          { type: "CHANNEL_CONNECTED", aggregateType: "STORE", aggregateId: cmd.storeId, payload: { storeId: cmd.storeId, channel, account, at } }
        ])
        return { connected: true as const }
      })
    )
  }).pipe(Effect.withSpan("Channels.connect"))

export const disconnectChannelAccount = (actor: AdminActor, cmd: { readonly storeId: StoreId; readonly channel: string; readonly account: string }) =>
  Effect.gen(function* () {
    const { channel, account, uow, at } = yield* prepare(actor, cmd)
    return yield* uow.transaction(
      Effect.gen(function* () {
        const removed = yield* Effect.flatMap(ConversationStore, (s) => s.disconnectAccount(channel, account, cmd.storeId))
        if (!removed) return yield* invalid(`${channel} ${account} does not serve this store`)
        yield* recordAdminAction(actor, { action: "CHANNEL.DISCONNECT", entity: "store", entityId: cmd.storeId, before: { channel, account }, after: null }, [
          { type: "CHANNEL_DISCONNECTED", aggregateType: "STORE", aggregateId: cmd.storeId, payload: { storeId: cmd.storeId, channel, account, at } }
        ])
        return { disconnected: true as const }
      })
    )
  }).pipe(Effect.withSpan("Channels.disconnect"))
