/**
 * Notifications in PostgreSQL (the `notifications` table, unique dedupe_key):
 *   - DevInboxPostgresLive: the Notifier when no WhatsApp credentials are set. Messages are rendered
 *     with the same templates and checks as WhatsApp and written to the table instead of sent, so
 *     every process (API, worker) shares one inbox that survives restarts; GET /dev/messages reads it.
 *   - SentMessageStorePostgresLive: the WhatsApp adapter's "sent once" record over the same table.
 */
import { randomUUID } from "node:crypto"
import { Clock, Effect, Either, Layer, Option } from "effect"
import { Notifier, NotifierRetryLater } from "../../application/ports/notifier.js"
import type { MessageTemplate, OutboundMessage } from "../../application/ports/notifier.js"
import { EpochMillis } from "../../domain/ids.js"
import { normalise } from "../../domain/phone.js"
import { DEFAULT_LIST_LIMIT, DevInbox } from "../../application/ports/dev-inbox.js"
import type { InboxMessage } from "../../application/ports/dev-inbox.js"
import { SentMessageStore, SentMessageStoreError } from "../../application/ports/sent-messages.js"
import { validateOutbound, renderText } from "../../application/notifications/templates.js"
import { Database } from "./database.js"

type Row = {
  id: string
  recipient: string
  template: MessageTemplate
  body: string
  data: { params?: Array<string> }
  dedupe_key: string | null
  created_at: Date
}
const toMessage = (r: Row): InboxMessage => ({
  id: r.id,
  to: r.recipient,
  template: r.template,
  params: r.data.params ?? [],
  text: r.body,
  dedupeKey: r.dedupe_key ?? "",
  sentAt: EpochMillis.make(r.created_at.getTime())
})

export const DevInboxPostgresLive: Layer.Layer<Notifier | DevInbox, never, Database> = Layer.unwrapEffect(
  Effect.map(Database, (db) => {
    const send = (message: OutboundMessage) =>
      Effect.gen(function* () {
        const text = yield* validateOutbound(message)
        const now = yield* Clock.currentTimeMillis
        const rows = yield* db
          .query(
            (sql) => sql<Array<{ id: string; inserted: boolean }>>`
            with ins as (
              insert into notifications (id, recipient, channel, template, body, data, dedupe_key, status, attempts, created_at, sent_at)
              values (${`dev_${randomUUID()}`}, ${message.to}, 'WHATSAPP', ${message.template}, ${text},
                      ${sql.json({ params: [...message.params], channel: "dev-inbox" } as never)}, ${message.dedupeKey}, 'SENT', 1, ${new Date(now)}, ${new Date(now)})
              on conflict (dedupe_key) do nothing returning id
            )
            select id, true as inserted from ins
            union all select id, false from notifications where dedupe_key = ${message.dedupeKey} and not exists (select 1 from ins)`
          )
          .pipe(Effect.mapError((e) => new NotifierRetryLater({ detail: `dev inbox: ${e.message}` })))
        const row = rows[0]
        if (row?.inserted)
          yield* Effect.logInfo(
            `dev inbox -> ${message.to}: ${message.template === "login_code" || message.template === "step_up_code" || message.template === "step_up_owner_code" ? renderText(message.template, ["******"]) : text}`
          )
        return { providerMessageId: row?.id ?? "dev.unknown", duplicate: row ? !row.inserted : false }
      })

    const list = (query: { readonly to?: string; readonly limit?: number } = {}) =>
      db
        .query((sql) => {
          const to = query.to === undefined ? undefined : Either.getOrElse(normalise(query.to), () => query.to as string)
          const limit = Math.max(0, Math.min(500, Math.floor(query.limit ?? DEFAULT_LIST_LIMIT)))
          return sql<Array<Row>>`
            select id, recipient, template, body, data, dedupe_key, created_at from notifications
             where ${to === undefined ? sql`true` : sql`recipient = ${to}`}
             order by created_at desc, id desc limit ${limit}`
        })
        .pipe(
          Effect.map((rows) => rows.map(toMessage)),
          Effect.orDie
        )

    return Layer.merge(Layer.succeed(Notifier, Notifier.of({ send })), Layer.succeed(DevInbox, DevInbox.of({ list })))
  })
)

export const SentMessageStorePostgresLive: Layer.Layer<SentMessageStore, never, Database> = Layer.effect(
  SentMessageStore,
  Effect.map(Database, (db) => ({
    find: (dedupeKey: string) =>
      db
        .query(
          (sql) =>
            sql<Array<{ provider_id: string | null }>>`select data->>'providerMessageId' as provider_id from notifications where dedupe_key = ${dedupeKey}`
        )
        .pipe(
          Effect.map((rows) => Option.flatMap(Option.fromNullable(rows[0]), (r) => Option.fromNullable(r.provider_id))),
          Effect.mapError((cause) => new SentMessageStoreError({ cause }))
        ),
    record: (dedupeKey: string, providerMessageId: string, message: OutboundMessage) =>
      db
        .query(
          (sql) => sql`
          insert into notifications (recipient, channel, template, body, data, dedupe_key, status, attempts, sent_at)
          values (${message.to}, 'WHATSAPP', ${message.template}, ${renderText(message.template, message.params)},
                  ${sql.json({ params: [...message.params], providerMessageId } as never)}, ${dedupeKey}, 'SENT', 1, now())
          on conflict (dedupe_key) do nothing`
        )
        .pipe(
          Effect.asVoid,
          Effect.mapError((cause) => new SentMessageStoreError({ cause }))
        )
  }))
)
