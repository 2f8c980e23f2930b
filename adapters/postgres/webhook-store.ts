/**
 * Merchant webhooks over PostgreSQL: endpoints on `stores`, attempts in `webhook_deliveries`, and
 * each attempt a graphile-worker job (`webhooks__deliver`) added in the caller's transaction.
 */
// Ids read from our own database are typed branded in the row type, unchecked (docs/decisions.md, Architecture: branded ids).
import type { StoreId } from "../../domain/ids.js"
import { randomBytes } from "node:crypto"
import { Effect, Layer, Option } from "effect"
import { WebhookStore } from "../../application/webhooks/webhook.port.js"
import type { DeliveryLogEntry, WebhookEventType } from "../../application/webhooks/webhook.port.js"
import { Database } from "./database.js"
import { q } from "./unit-of-work.js"

export const WEBHOOK_TASK = "webhooks__deliver"

export const WebhookStoreLive = Layer.effect(
  WebhookStore,
  Effect.gen(function* () {
    const db = yield* Database
    // One named queue per store: graphile-worker runs a queue's jobs one at a time, so a store whose
    // endpoint is slow (each attempt may take the whole deadline) holds one worker slot, not all of them.
    const schedule = (deliveryId: string, runAt: Date) =>
      q(
        db,
        (sql) =>
          sql`select graphile_worker.add_job(${WEBHOOK_TASK}, json_build_object('deliveryId', ${deliveryId}::text),
                queue_name => (select 'webhooks:' || store_id from webhook_deliveries where id = ${deliveryId}),
                run_at => ${runAt}::timestamptz, max_attempts => 3, job_key => ${`webhook:${deliveryId}`}::text)`
      ).pipe(Effect.asVoid)
    return {
      endpointOf: (storeId) =>
        Effect.map(
          q(db, (sql) => sql<Array<{ url: string }>>`select webhook_url as url from stores where id = ${storeId} and webhook_url is not null`),
          (rows) => Option.fromNullable(rows[0])
        ),
      withEndpoint: (storeIds) =>
        storeIds.length === 0
          ? Effect.succeed(new Set<StoreId>())
          : Effect.map(
              q(db, (sql) => sql<Array<{ id: StoreId }>>`select id from stores where id = any(${[...new Set(storeIds)]}::text[]) and webhook_url is not null`),
              (rows) => new Set(rows.map((r) => r.id))
            ),
      enqueue: (d) =>
        Effect.gen(function* () {
          const rows = yield* q(
            db,
            (sql) => sql<Array<{ id: string }>>`
            insert into webhook_deliveries (id, store_id, event_id, event_type, url, body, signature)
            values (${`whd_${randomBytes(10).toString("hex")}`}, ${d.storeId}, ${d.eventId}, ${d.eventType}, ${d.url}, ${d.body}, '-')
            on conflict (store_id, event_id) do nothing returning id`
          )
          if (rows[0]) yield* schedule(rows[0].id, new Date())
        }),
      lockDelivery: (deliveryId) =>
        Effect.map(
          q(
            db,
            (sql) => sql<
              Array<{
                id: string
                store_id: StoreId
                event_id: string
                event_type: WebhookEventType
                body: string
                status: "PENDING" | "DELIVERED" | "FAILED"
                attempts: number
                url: string | null
                secret: string | null
              }>
            >`
            select w.id, w.store_id, w.event_id, w.event_type, w.body, w.status, w.attempts, s.webhook_url as url, s.webhook_secret as secret
              from webhook_deliveries w join stores s on s.id = w.store_id where w.id = ${deliveryId} for update of w`
          ),
          (rows) =>
            Option.map(Option.fromNullable(rows[0]), (r) => ({
              id: r.id,
              storeId: r.store_id,
              eventId: r.event_id,
              eventType: r.event_type,
              body: r.body,
              status: r.status,
              attempts: r.attempts,
              endpoint: r.url !== null && r.secret !== null ? { url: r.url, secret: r.secret } : undefined
            }))
        ),
      recordAttempt: (id, a) =>
        q(
          db,
          (sql) => sql`
          update webhook_deliveries set attempts = attempts + 1,
                 status = ${a.outcome === "RETRY" ? "PENDING" : a.outcome},
                 signature = ${a.signature}, signed_at = ${a.signedAt},
                 last_status_code = ${a.statusCode ?? null}, last_error = ${a.error ?? null},
                 next_attempt_at = ${new Date(a.nextAttemptAt ?? a.at)},
                 delivered_at = ${a.outcome === "DELIVERED" ? new Date(a.at) : null}
           where id = ${id}`
        ).pipe(Effect.asVoid),
      schedule: (id, runAt) => schedule(id, new Date(runAt)),
      setEndpoint: (storeId, url) =>
        Effect.gen(function* () {
          const secret = `whsec_${randomBytes(32).toString("base64url")}`
          yield* q(db, (sql) => sql`update stores set webhook_url = ${url}, webhook_secret = ${secret}, updated_at = now() where id = ${storeId}`)
          return { secret }
        }),
      removeEndpoint: (storeId) =>
        q(db, (sql) => sql`update stores set webhook_url = null, webhook_secret = null, updated_at = now() where id = ${storeId}`).pipe(Effect.asVoid),
      log: (storeId, limit) =>
        Effect.map(
          q(
            db,
            (sql) => sql<
              Array<{
                id: string
                event_id: string
                event_type: WebhookEventType
                url: string
                status: "PENDING" | "DELIVERED" | "FAILED"
                attempts: number
                last_status_code: number | null
                last_error: string | null
                created_at: Date
                delivered_at: Date | null
                next_attempt_at: Date
              }>
            >`
            select id, event_id, event_type, url, status, attempts, last_status_code, last_error, created_at, delivered_at, next_attempt_at
              from webhook_deliveries where store_id = ${storeId} order by created_at desc, id desc limit ${limit}`
          ),
          (rows) =>
            rows.map((r): DeliveryLogEntry => ({
              id: r.id,
              eventId: r.event_id,
              eventType: r.event_type,
              url: r.url,
              status: r.status,
              attempts: r.attempts,
              lastStatusCode: r.last_status_code ?? undefined,
              lastError: r.last_error ?? undefined,
              createdAt: r.created_at.getTime(),
              deliveredAt: r.delivered_at?.getTime(),
              nextAttemptAt: r.status === "PENDING" ? r.next_attempt_at.getTime() : undefined
            }))
        )
    }
  })
)
