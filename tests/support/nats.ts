/**
 * The real NATS server for the event stream's tests (NATS_URL; the suites skip without it, like the
 * Redis ones without REDIS_URL). Each test gets a stream and subject prefix of its own
 * (`AMANA_T_<base36 seconds>_<hex>` / `amana_t_...`), so runs and files never share one; leftovers
 * of a crashed run older than an hour are deleted by the next.
 */
import { randomBytes } from "node:crypto"
import { Schema } from "effect"
import { jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import type { NatsConnection } from "@nats-io/transport-node"
import type { Sql } from "../../adapters/postgres/database.js"
import { ageSeconds } from "./database-names.js"

export const natsUrl: string | undefined = process.env["NATS_URL"]?.trim() || undefined

const STREAM_PREFIX = "AMANA_T_"

export interface TestStream {
  readonly url: string
  readonly stream: string
  readonly subjectPrefix: string
}

export const freshStream = (url: string): TestStream => {
  const tag = `${Math.floor(Date.now() / 1000).toString(36)}_${randomBytes(4).toString("hex")}`
  return { url, stream: `${STREAM_PREFIX}${tag}`, subjectPrefix: `amana_t_${tag}` }
}

const withNats = async <A>(url: string, f: (nc: NatsConnection) => Promise<A>): Promise<A> => {
  const nc = await connect({ servers: url })
  try {
    return await f(nc)
  } finally {
    await nc.close()
  }
}

/** Deletes the streams and any test stream older than an hour. */
export const deleteStreams = (url: string, streams: ReadonlyArray<string>): Promise<void> =>
  withNats(url, async (nc) => {
    const jsm = await jetstreamManager(nc)
    const stale: Array<string> = []
    for await (const name of jsm.streams.names()) {
      const age = ageSeconds(name, STREAM_PREFIX)
      if (age !== undefined && age > 3600) stale.push(name)
    }
    for (const name of [...streams, ...stale]) await jsm.streams.delete(name).catch(() => false)
  })

const EventBody = Schema.parseJson(
  Schema.Struct({
    id: Schema.String,
    type: Schema.String,
    aggregateType: Schema.String,
    aggregateId: Schema.String,
    payload: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
    occurredAt: Schema.String
  })
)

export interface StreamedEvent {
  readonly streamSeq: number
  readonly subject: string
  readonly msgId: string | undefined
  readonly requestId: string | undefined
  readonly traceParent: string | undefined
  readonly body: typeof EventBody.Type
}

/** Every message of the stream, in stream order. */
export const readStream = (url: string, stream: string): Promise<ReadonlyArray<StreamedEvent>> =>
  withNats(url, async (nc) => {
    const jsm = await jetstreamManager(nc)
    const info = await jsm.streams.info(stream)
    const out: Array<StreamedEvent> = []
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq })
      if (m === null) continue
      out.push({
        streamSeq: m.seq,
        subject: m.subject,
        msgId: m.header.get("Nats-Msg-Id") || undefined,
        requestId: m.header.get("X-Request-Id") || undefined,
        traceParent: m.header.get("traceparent") || undefined,
        body: Schema.decodeUnknownSync(EventBody)(m.string())
      })
    }
    return out
  })

export const streamInfo = (url: string, stream: string) => withNats(url, async (nc) => (await jetstreamManager(nc)).streams.info(stream))

/** Appends `count` events in one transaction, spread over `aggregates` orders (ids `<tag>-<n>`). */
export const appendEvents = (sql: Sql, tag: string, count: number, aggregates: number, from = 0) =>
  sql`insert into outbox (event_type, aggregate_type, aggregate_id, payload)
      select case when i % 3 = 0 then 'ORDER_PAID' else 'ORDER_DISPATCHED' end, 'ORDER', ${tag} || '-' || (i % ${aggregates}), jsonb_build_object('i', i)
        from generate_series(${from}::int, ${from + count - 1}::int) as i`

/**
 * The stream holds every outbox event exactly once (its message id is the event id), and for each
 * aggregate in the outbox's order. Returns what it compared, for the assertions' messages.
 */
export const compareWithOutbox = async (sql: Sql, url: string, stream: string) => {
  const outbox = await sql<Array<{ id: string; aggregate: string }>>`select id, aggregate_type || ':' || aggregate_id as aggregate from outbox order by seq`
  const streamed = await readStream(url, stream)
  const byAggregate = (events: ReadonlyArray<{ id: string; aggregate: string }>) => {
    const lists = new Map<string, Array<string>>()
    for (const e of events) lists.set(e.aggregate, [...(lists.get(e.aggregate) ?? []), e.id])
    return Object.fromEntries([...lists.entries()].sort(([a], [b]) => a.localeCompare(b)))
  }
  return {
    outboxIds: outbox.map((e) => e.id).sort(),
    streamIds: streamed.map((e) => e.body.id).sort(),
    msgIdsMatch: streamed.every((e) => e.msgId === e.body.id),
    outboxOrder: byAggregate(outbox),
    streamOrder: byAggregate(streamed.map((e) => ({ id: e.body.id, aggregate: `${e.body.aggregateType}:${e.body.aggregateId}` }))),
    streamed
  }
}
