/**
 * The outbox relay against the real NATS JetStream (NATS_URL) and PostgreSQL: every committed event
 * is in the stream exactly once, in commit order per aggregate, whatever dies when. Each test has a
 * stream and subject prefix of its own. Without NATS_URL the suite is skipped and its title says why.
 */
import { Duration, Effect, Either, Layer, ManagedRuntime, Option } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { jetstreamManager } from "@nats-io/jetstream"
import { connect, nanos } from "@nats-io/transport-node"
import { relayOutboxOnce } from "../../application/events/relay-outbox.js"
import type { RelayRound } from "../../application/events/relay-outbox.js"
import { EventStream, EventStreamUnavailable } from "../../application/ports/event-stream.js"
import type { StreamEvent, OutboxFeed } from "../../application/ports/event-stream.js"
import type { UnitOfWork } from "../../application/ports/unit-of-work.js"
import { makeNatsEventStream } from "../../adapters/nats/event-stream.js"
import type { NatsEventStreamConfig } from "../../adapters/nats/event-stream.js"
import { DatabaseFromPool } from "../../adapters/postgres/database.js"
import { OutboxFeedLive } from "../../adapters/postgres/outbox-feed.js"
import { UnitOfWorkLive } from "../../adapters/postgres/unit-of-work.js"
import { eventRelayLayer } from "../../composition/event-relay.js"
import { appendEvents, compareWithOutbox, deleteStreams, freshStream, natsUrl, readStream, streamInfo } from "../support/nats.js"
import type { TestStream } from "../support/nats.js"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase()
const used: Array<string> = []
afterAll(async () => {
  if (natsUrl !== undefined) await deleteStreams(natsUrl, used)
})

const newStream = (url: string): TestStream => {
  const s = freshStream(url)
  used.push(s.stream)
  return s
}

type RelayServices = UnitOfWork | OutboxFeed | EventStream

/** The relay's services as the app wires them, or with the stream replaced by `decorate(real)`. */
const relayRuntime = (
  s: TestStream,
  options: { decorate?: (real: EventStream["Type"]) => EventStream["Type"]; duplicateWindow?: Duration.DurationInput } = {}
): ManagedRuntime.ManagedRuntime<RelayServices, unknown> => {
  const config: NatsEventStreamConfig = { ...s, ...(options.duplicateWindow !== undefined && { duplicateWindow: options.duplicateWindow }) }
  if (options.decorate === undefined && options.duplicateWindow === undefined) return ManagedRuntime.make(eventRelayLayer(db.sql, s))
  const decorate = options.decorate ?? ((real: EventStream["Type"]) => real)
  return ManagedRuntime.make(
    Layer.mergeAll(UnitOfWorkLive, OutboxFeedLive(s.stream), Layer.scoped(EventStream, Effect.map(makeNatsEventStream(config), decorate))).pipe(
      Layer.provideMerge(DatabaseFromPool(db.sql))
    )
  )
}

/** Rounds until the outbox is drained; returns every round. */
const drain = async (runtime: ManagedRuntime.ManagedRuntime<RelayServices, unknown>, limit: number): Promise<ReadonlyArray<RelayRound>> => {
  const rounds: Array<RelayRound> = []
  for (let i = 0; i < 1000; i++) {
    const round = await runtime.runPromise(relayOutboxOnce(limit))
    rounds.push(round)
    if (!round.more) return rounds
  }
  throw new Error("the relay never drained the outbox")
}

const cursorOf = async (stream: string) => {
  const [row] = await db.sql<Array<{ published: number; batch_last_seq: number; open: boolean }>>`
    select published, batch_last_seq, batch_snapshot is not null as open from event_stream_cursors where stream = ${stream}`
  return row
}

const clearOutbox = () => db.owner`truncate outbox`

describe.skipIf(natsUrl === undefined)(
  natsUrl === undefined ? "event relay to NATS JetStream (skipped: NATS_URL is unset)" : "event relay to NATS JetStream",
  () => {
    const url = natsUrl ?? ""

    it("every committed event is in the stream once, as <prefix>.<aggregate>.<type>, in commit order per aggregate", async () => {
      await clearOutbox()
      const s = newStream(url)
      for (let t = 0; t < 5; t++) await appendEvents(db.sql, "multi", 30, 4, t * 30)
      // a type that is no valid subject token is sanitised, never splits the subject
      await db.sql`insert into outbox (event_type, aggregate_type, aggregate_id, payload) values ('odd.type >*', 'DISCOUNT_CODE', 'dc-1', '{}')`
      const runtime = relayRuntime(s)
      try {
        const rounds = await drain(runtime, 25) // several rounds per batch
        expect(rounds.reduce((n, r) => n + r.published, 0)).toBe(151)
        for (let t = 5; t < 7; t++) await appendEvents(db.sql, "multi", 30, 4, t * 30) // a second batch
        await drain(runtime, 25)
      } finally {
        await runtime.dispose()
      }
      const seen = await compareWithOutbox(db.sql, url, s.stream)
      expect(seen.streamIds).toHaveLength(211)
      expect(seen.streamIds).toEqual(seen.outboxIds)
      expect(seen.msgIdsMatch).toBe(true)
      expect(seen.streamOrder).toEqual(seen.outboxOrder)
      const subjects = new Set(seen.streamed.map((e) => e.subject))
      expect([...subjects].sort()).toEqual([
        `${s.subjectPrefix}.discount_code.odd_type___`,
        `${s.subjectPrefix}.order.ORDER_DISPATCHED`,
        `${s.subjectPrefix}.order.ORDER_PAID`
      ])
      expect(await cursorOf(s.stream)).toEqual({ published: 211, batch_last_seq: 0, open: false })
    })

    it("the request id and traceparent an event was appended with travel as message headers", async () => {
      await clearOutbox()
      const s = newStream(url)
      const traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
      await db.sql`insert into outbox (event_type, aggregate_type, aggregate_id, payload, request_id, trace_parent)
                   values ('CHECKOUT_CREATED', 'CHECKOUT', 'chk-traced', '{}', 'req-42', ${traceParent})`
      await appendEvents(db.sql, "untraced", 1, 1)
      const runtime = relayRuntime(s)
      await drain(runtime, 10).finally(() => runtime.dispose())
      const streamed = await readStream(url, s.stream)
      expect(streamed.map((e) => ({ aggregate: e.body.aggregateId, requestId: e.requestId, traceParent: e.traceParent }))).toEqual([
        { aggregate: "chk-traced", requestId: "req-42", traceParent },
        { aggregate: "untraced-0", requestId: undefined, traceParent: undefined }
      ])
    })

    it("an event that took its seq before another but committed after it is published, not skipped", async () => {
      await clearOutbox()
      const s = newStream(url)
      const runtime = relayRuntime(s)
      let release: () => void = () => undefined
      const held = new Promise<void>((r) => (release = r))
      let inserted: () => void = () => undefined
      const early = new Promise<void>((r) => (inserted = r))
      try {
        // T1 takes the lower seq and stays open; T2 takes the next seq and commits first.
        const t1 = db.sql.begin(async (tx) => {
          await tx`insert into outbox (event_type, aggregate_type, aggregate_id, payload) values ('ORDER_PAID', 'ORDER', 'late', '{}')`
          inserted()
          await held
        })
        await early
        await db.sql`insert into outbox (event_type, aggregate_type, aggregate_id, payload) values ('ORDER_PAID', 'ORDER', 'early', '{}')`
        const [first] = await drain(runtime, 10)
        expect(first?.published).toBe(1)
        release()
        await t1
        await drain(runtime, 10)
      } finally {
        release()
        await runtime.dispose()
      }
      const seen = await compareWithOutbox(db.sql, url, s.stream)
      expect(seen.streamed.map((e) => e.body.aggregateId)).toEqual(["early", "late"])
      expect(seen.streamIds).toEqual(seen.outboxIds)
    })

    it("rows written before migration 0066 (no txid) go out in the relay's first batch, and only then", async () => {
      await clearOutbox()
      const s = newStream(url)
      await db.owner`insert into outbox (event_type, aggregate_type, aggregate_id, payload, txid) values ('ORDER_PAID', 'ORDER', 'old', '{}', null)`
      await appendEvents(db.sql, "new", 3, 1)
      const runtime = relayRuntime(s)
      try {
        await drain(runtime, 10)
        await appendEvents(db.sql, "newer", 2, 1)
        await drain(runtime, 10)
      } finally {
        await runtime.dispose()
      }
      const seen = await compareWithOutbox(db.sql, url, s.stream)
      expect(seen.streamIds).toEqual(seen.outboxIds)
      expect(seen.streamIds).toHaveLength(6)
    })

    it("killed after N acknowledgements, before its cursor moved: the restart resumes after the stream's newest event, past the duplicate window", async () => {
      await clearOutbox()
      const s = newStream(url)
      for (let t = 0; t < 4; t++) await appendEvents(db.sql, "crash", 30, 5, t * 30)
      // A stream whose duplicate window is over before the restart: only resuming after the newest event avoids duplicates.
      const window = Duration.millis(100)
      // 30 of the round's 100 events acknowledged, then the round hangs until it is cut short
      const dying = relayRuntime(s, {
        duplicateWindow: window,
        decorate: (real) => ({
          ...real,
          publishInOrder: (events: ReadonlyArray<StreamEvent>, after: Option.Option<string>) =>
            Effect.zipRight(real.publishInOrder(events.slice(0, 30), after), Effect.never)
        })
      })
      try {
        const outcome = await dying.runPromise(relayOutboxOnce(100).pipe(Effect.timeout("1 second"), Effect.either))
        expect(Either.isLeft(outcome)).toBe(true) // the round never finished: as if the process died
      } finally {
        await dying.dispose()
      }
      expect((await readStream(url, s.stream)).length).toBe(30)
      expect(await cursorOf(s.stream)).toBeUndefined() // the round's transaction (which made the cursor) rolled back
      await new Promise((r) => setTimeout(r, 3 * Duration.toMillis(window)))

      const restarted = relayRuntime(s, { duplicateWindow: window })
      const rounds = await drain(restarted, 100).finally(() => restarted.dispose())
      expect(rounds[0]?.alreadyInStream).toBe(30)
      const seen = await compareWithOutbox(db.sql, url, s.stream)
      expect(seen.streamIds).toHaveLength(120)
      expect(seen.streamIds).toEqual(seen.outboxIds)
      expect(seen.streamOrder).toEqual(seen.outboxOrder)
    })

    it("an event the stream refuses ends the round: the events after it are refused too, the cursor kept at the last one stored", async () => {
      await clearOutbox()
      const s = newStream(url)
      await appendEvents(db.sql, "refused", 40, 3)
      // the eleventh is too large for the stream (as an operator may limit it)
      await db.sql`update outbox set payload = jsonb_build_object('padding', repeat('x', 2000)) where seq = (select seq from outbox order by seq offset 10 limit 1)`
      const runtime = relayRuntime(s)
      try {
        await runtime.runtime()
        await setMaxMessageSize(s.stream, 1_000)
        const outcome = await runtime.runPromise(Effect.either(relayOutboxOnce(100)))
        expect(Either.isLeft(outcome) && outcome.left).toBeInstanceOf(EventStreamUnavailable)
        expect((await readStream(url, s.stream)).length).toBe(10) // none of the 29 after it, though all 40 were sent at once
        const [tenth] = await db.sql<Array<{ seq: number }>>`select seq from outbox order by seq offset 9 limit 1`
        expect(await cursorOf(s.stream)).toEqual({ published: 10, batch_last_seq: tenth?.seq, open: true })
        await setMaxMessageSize(s.stream, -1)
        await drain(runtime, 100) // the next round goes on from the eleventh
      } finally {
        await runtime.dispose()
      }
      const seen = await compareWithOutbox(db.sql, url, s.stream)
      expect(seen.streamIds).toEqual(seen.outboxIds)
      expect(seen.streamed.map((e) => e.body.id)).toEqual((await db.sql<Array<{ id: string }>>`select id from outbox order by seq`).map((e) => e.id))
    })

    it("the stream stores an event id once within its duplicate window", async () => {
      const s = newStream(url)
      const runtime = ManagedRuntime.make(Layer.scoped(EventStream, makeNatsEventStream(s)))
      const event: StreamEvent = { id: "evt-dup-1", type: "ORDER_PAID", aggregateType: "ORDER", aggregateId: "o-1", payload: {}, occurredAt: 0, position: 1 }
      try {
        const twice = Effect.flatMap(EventStream, (stream) =>
          Effect.zipRight(stream.publishInOrder([event], Option.none()), stream.publishInOrder([event], Option.none()))
        )
        expect(await runtime.runPromise(twice)).toEqual({ acknowledged: 1, failure: Option.none() })
        expect(await runtime.runPromise(Effect.flatMap(EventStream, (stream) => stream.newestId))).toEqual(Option.some("evt-dup-1"))
      } finally {
        await runtime.dispose()
      }
      expect((await readStream(url, s.stream)).map((e) => e.msgId)).toEqual(["evt-dup-1"])
    })

    it("one relay at a time: while another holds the cursor a round publishes nothing", async () => {
      await clearOutbox()
      const s = newStream(url)
      await appendEvents(db.sql, "locked", 5, 1)
      const runtime = relayRuntime(s)
      let release: () => void = () => undefined
      const held = new Promise<void>((r) => (release = r))
      let locked: () => void = () => undefined
      const holding = new Promise<void>((r) => (locked = r))
      try {
        await db.sql`insert into event_stream_cursors (stream) values (${s.stream})`
        const other = db.sql.begin(async (tx) => {
          await tx`select 1 from event_stream_cursors where stream = ${s.stream} for update`
          locked()
          await held
        })
        await holding
        expect(await runtime.runPromise(relayOutboxOnce(100))).toEqual({ claimed: false, published: 0, alreadyInStream: 0, more: false })
        release()
        await other
        expect(await runtime.runPromise(relayOutboxOnce(100))).toMatchObject({ claimed: true, published: 5 })
      } finally {
        release()
        await runtime.dispose()
      }
    })

    it("at start the stream is created, or its subjects and duplicate window set, keeping the operator's other settings", async () => {
      const s = newStream(url)
      const nc = await connect({ servers: url })
      try {
        const jsm = await jetstreamManager(nc)
        await jsm.streams.add({ name: s.stream, subjects: [`${s.subjectPrefix}.old.>`], duplicate_window: nanos(1_000), max_msgs: 1_000_000 })
      } finally {
        await nc.close()
      }
      const runtime = ManagedRuntime.make(Layer.scoped(EventStream, makeNatsEventStream(s)))
      try {
        await runtime.runtime()
      } finally {
        await runtime.dispose()
      }
      const info = await streamInfo(url, s.stream)
      expect(info.config.subjects).toEqual([`${s.subjectPrefix}.>`])
      expect(info.config.duplicate_window).toBe(nanosOf(Duration.minutes(2)))
      expect(info.config.max_msgs).toBe(1_000_000)

      const fresh = newStream(url)
      const created = ManagedRuntime.make(Layer.scoped(EventStream, makeNatsEventStream(fresh)))
      try {
        await created.runtime()
      } finally {
        await created.dispose()
      }
      expect((await streamInfo(url, fresh.stream)).config.subjects).toEqual([`${fresh.subjectPrefix}.>`])
    })
  }
)

const nanosOf = (d: Duration.Duration) => Duration.toMillis(d) * 1_000_000

/** What an operator may set on the stream (the relay keeps it). */
const setMaxMessageSize = async (stream: string, bytes: number) => {
  const nc = await connect({ servers: natsUrl ?? "" })
  try {
    const jsm = await jetstreamManager(nc)
    const info = await jsm.streams.info(stream)
    await jsm.streams.update(stream, { ...info.config, max_msg_size: bytes })
  } finally {
    await nc.close()
  }
}
