/** ConversationStore over PostgreSQL (0068: channel_accounts, conversations, conversation_messages, product_aliases). */
import { Effect, Layer, Option } from "effect"
import type { StoreId } from "../../domain/ids.js"
import type { CatalogueEntry, Place } from "../../domain/intake.js"
import { ConversationStore } from "../../application/conversations/conversation.port.js"
import type {
  ChatMessage,
  Conversation,
  ConversationMode,
  DraftState,
  OrderDraft,
  QueuedConversation
} from "../../application/conversations/conversation.port.js"
import type { ChannelName } from "../../application/ports/channel.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"

// Rows of our own tables: typed as written (docs/decisions.md, Architecture: branded ids).
type ConversationRow = {
  id: string
  channel: ChannelName
  account_id: string
  customer: string
  store_id: StoreId
  mode: ConversationMode
  queued_at: Date | null
  queue_reason: string | null
  failed_parses: number
  draft: OrderDraft | null
  draft_id: string | null
  draft_state: DraftState | null
  checkout_id: string | null
  last_inbound_at: Date | null
  created_at: Date
  last_message?: string | null
}
const conversation = (r: ConversationRow): Conversation => ({
  id: r.id,
  channel: r.channel,
  account: r.account_id,
  customer: r.customer,
  storeId: r.store_id,
  mode: r.mode,
  queuedAt: r.queued_at?.getTime(),
  queueReason: r.queue_reason ?? undefined,
  failedParses: r.failed_parses,
  draft: r.draft ?? undefined,
  draftId: r.draft_id ?? undefined,
  draftState: r.draft_state ?? undefined,
  checkoutId: r.checkout_id ?? undefined,
  lastInboundAt: r.last_inbound_at?.getTime(),
  createdAt: r.created_at.getTime()
})

type MessageRow = {
  id: string
  conversation_id: string
  direction: "IN" | "OUT"
  type: string
  body: string | null
  author: string | null
  status: ChatMessage["status"]
  at: Date
}
const message = (r: MessageRow): ChatMessage => ({
  id: r.id,
  conversationId: r.conversation_id,
  direction: r.direction,
  type: r.type,
  body: r.body ?? undefined,
  author: r.author ?? undefined,
  status: r.status,
  at: r.at.getTime()
})

const COLUMNS =
  "id, channel, account_id, customer, store_id, mode, queued_at, queue_reason, failed_parses, draft, draft_id, draft_state, checkout_id, last_inbound_at, created_at"

type CatalogueRow = { product_id: string; title: string; aliases: Array<string>; variant_id: string; attributes: Record<string, unknown> }

export const ConversationStoreLive = Layer.effect(
  ConversationStore,
  Effect.map(Database, (db) =>
    ConversationStore.of({
      storeForAccount: (channel, account) =>
        Effect.map(
          q(db, (sql) => sql<Array<{ store_id: StoreId }>>`select store_id from channel_accounts where channel = ${channel} and account_id = ${account}`),
          (rows) => Option.map(Option.fromNullable(rows[0]), (r) => r.store_id)
        ),
      connectAccount: (channel, account, storeId, at) =>
        q(
          db,
          (sql) => sql`insert into channel_accounts (channel, account_id, store_id, created_at) values (${channel}, ${account}, ${storeId}, ${new Date(at)})
                       on conflict (channel, account_id) do nothing`
        ).pipe(Effect.asVoid),
      disconnectAccount: (channel, account, storeId) =>
        Effect.map(
          q(db, (sql) => sql`delete from channel_accounts where channel = ${channel} and account_id = ${account} and store_id = ${storeId} returning 1`),
          (rows) => rows.length === 1
        ),
      upsert: (c) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<{ id: string }>>`
            insert into conversations (id, channel, account_id, customer, store_id, last_inbound_at, created_at, updated_at)
            values (${c.newId}, ${c.channel}, ${c.account}, ${c.customer}, ${c.storeId}, ${new Date(c.at)}, now(), now())
            on conflict (channel, customer, store_id) do update
              set last_inbound_at = greatest(conversations.last_inbound_at, excluded.last_inbound_at), account_id = excluded.account_id
            returning id`
          ),
          (rows) => rows[0]!.id
        ),
      insertInbound: (m) =>
        Effect.map(
          q(
            db,
            (sql) => sql`
            insert into conversation_messages (id, conversation_id, channel, direction, provider_message_id, type, body, status, at)
            values (${m.id}, ${m.conversationId}, ${m.channel}, 'IN', ${m.providerMessageId}, ${m.type}, ${m.body ?? null}, 'RECEIVED', ${new Date(m.at)})
            on conflict (channel, provider_message_id) where direction = 'IN' do nothing
            returning id`
          ),
          (rows) => rows.length === 1
        ),
      insertOutbound: (m) =>
        q(
          db,
          (sql) => sql`
          insert into conversation_messages (id, conversation_id, channel, direction, type, body, author, status, at)
          values (${m.id}, ${m.conversationId}, ${m.channel}, 'OUT', 'text', ${m.body}, ${m.author}, 'QUEUED', ${new Date(m.at)})`
        ).pipe(Effect.asVoid),
      message: (id) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<MessageRow>>`select id, conversation_id, direction, type, body, author, status, at from conversation_messages where id = ${id}`
          ),
          (rows) => Option.map(Option.fromNullable(rows[0]), message)
        ),
      lock: (id) =>
        Effect.map(
          q(db, (sql) => sql<Array<ConversationRow>>`select ${sql.unsafe(COLUMNS)} from conversations where id = ${id} for update`),
          (rows) => Option.map(Option.fromNullable(rows[0]), conversation)
        ),
      find: (id) =>
        Effect.map(
          q(db, (sql) => sql<Array<ConversationRow>>`select ${sql.unsafe(COLUMNS)} from conversations where id = ${id}`),
          (rows) => Option.map(Option.fromNullable(rows[0]), conversation)
        ),
      save: (c, at) =>
        q(
          db,
          (sql) => sql`
          update conversations set
            mode = ${c.mode}, queued_at = ${c.queuedAt === undefined ? null : new Date(c.queuedAt)}, queue_reason = ${c.queueReason ?? null},
            failed_parses = ${c.failedParses}, draft = ${c.draft === undefined ? null : sql.json(JSON.parse(JSON.stringify(c.draft)))},
            draft_id = ${c.draftId ?? null}, draft_state = ${c.draftState ?? null}, checkout_id = ${c.checkoutId ?? null}, updated_at = ${new Date(at)}
          where id = ${c.id}`
        ).pipe(Effect.asVoid),
      setMessageStatus: (id, status, at, extra) =>
        q(
          db,
          (sql) => sql`
          update conversation_messages set status = ${status},
            provider_message_id = coalesce(${extra?.providerMessageId ?? null}, provider_message_id),
            last_error = coalesce(${extra?.error ?? null}, last_error),
            sent_at = case when ${status} = 'SENT' then ${new Date(at)} else sent_at end
          where id = ${id}`
        ).pipe(Effect.asVoid),
      // the newest 500, oldest first: a long chat shows what was said last, not its first page
      messages: (conversationId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<MessageRow>>`
            select * from (
              select id, conversation_id, direction, type, body, author, status, at from conversation_messages
               where conversation_id = ${conversationId} order by at desc, id desc limit 500) newest
             order by at, id`
          ),
          (rows) => rows.map(message)
        ),
      queue: (storeId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<Array<ConversationRow>>`
            select ${sql.unsafe(
              COLUMNS.split(", ")
                .map((c) => `c.${c}`)
                .join(", ")
            )},
              (select m.body from conversation_messages m where m.conversation_id = c.id and m.direction = 'IN' order by m.at desc, m.id desc limit 1) as last_message
            from conversations c
            where c.mode <> 'AUTO' ${storeId === undefined ? sql`` : sql`and c.store_id = ${storeId}`}
            order by c.queued_at, c.id limit 500`
          ),
          (rows): ReadonlyArray<QueuedConversation> => rows.map((r) => ({ ...conversation(r), lastMessage: r.last_message ?? undefined }))
        ),
      intakeContext: (storeId) =>
        Effect.gen(function* () {
          const rows = yield* q(
            db,
            (sql) => sql<Array<CatalogueRow>>`
            select p.id as product_id, p.title, v.id as variant_id, v.attributes,
              coalesce((select array_agg(a.alias order by a.alias) from product_aliases a where a.product_id = p.id), '{}') as aliases
            from products p join variants v on v.product_id = p.id
            where p.store_id = ${storeId} and p.state = 'VERIFIED' and p.archived_at is null and v.active
            order by p.id, v.id`
          )
          const places = yield* q(
            db,
            (sql) => sql<Array<{ id: string; kind: Place["kind"]; name: string }>>`select id, kind, name from locations where active order by id`
          )
          const byProduct = new Map<string, { productId: string; title: string; aliases: Array<string>; variants: Array<CatalogueEntry["variants"][number]> }>()
          for (const r of rows) {
            const entry = byProduct.get(r.product_id) ?? { productId: r.product_id, title: r.title, aliases: r.aliases, variants: [] }
            const attributes: Record<string, string> = {}
            for (const [k, v] of Object.entries(r.attributes)) if (typeof v === "string") attributes[k] = v
            entry.variants.push({ variantId: r.variant_id, attributes })
            byProduct.set(r.product_id, entry)
          }
          const catalogue = [...byProduct.values()]
          const [settings] = yield* q(
            db,
            (sql) => sql<Array<{ threshold: string }>>`select chat_confidence_threshold::text as threshold from stores where id = ${storeId}`
          )
          return { catalogue, places, titles: new Map(catalogue.map((c) => [c.productId, c.title])), threshold: Number(settings?.threshold ?? "0.8") }
        }),
      lockChatThreshold: (storeId) =>
        Effect.map(
          q(db, (sql) => sql<Array<{ threshold: string }>>`select chat_confidence_threshold::text as threshold from stores where id = ${storeId} for update`),
          (rows) => Number(rows[0]?.threshold ?? "0.8")
        ),
      setChatThreshold: (storeId, threshold) =>
        q(db, (sql) => sql`update stores set chat_confidence_threshold = ${threshold.toFixed(2)}::numeric where id = ${storeId}`).pipe(Effect.asVoid),
      setAliases: (storeId, productId, aliases) =>
        Effect.gen(function* () {
          const owned = yield* q(db, (sql) => sql`select id from products where id = ${productId} and store_id = ${storeId} for update`)
          if (owned.length === 0) return false
          yield* q(db, (sql) => sql`delete from product_aliases where product_id = ${productId}`)
          if (aliases.length > 0)
            yield* q(db, (sql) => sql`insert into product_aliases ${sql(aliases.map((alias) => ({ product_id: productId, alias })))} on conflict do nothing`)
          return true
        })
    })
  )
)
