/**
 * An event relay process for tests/nats/relay-crash.test.ts: the app's relay loop over the real
 * stream, except that after `hangAfter` acknowledged publishes the next publish never returns, so
 * the test can SIGKILL it with acknowledged events in the stream and its cursor not yet moved.
 * Usage: node --import tsx tests/support/relay-child.ts <database-url> <nats-url> <stream> <subject-prefix> <hang-after>
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import type { Option } from "effect"
import { relayOutboxForever } from "../../application/events/relay-outbox.js"
import { EventStream } from "../../application/ports/event-stream.js"
import type { StreamEvent } from "../../application/ports/event-stream.js"
import { makeNatsEventStream } from "../../adapters/nats/event-stream.js"
import { DatabaseFromPool, makePool } from "../../adapters/postgres/database.js"
import { OutboxFeedLive } from "../../adapters/postgres/outbox-feed.js"
import { UnitOfWorkLive } from "../../adapters/postgres/unit-of-work.js"

const [databaseUrl, url, stream, subjectPrefix, hangAfterText] = process.argv.slice(2)
if (!databaseUrl || !url || !stream || !subjectPrefix || !hangAfterText)
  throw new Error("usage: relay-child.ts <database-url> <nats-url> <stream> <subject-prefix> <hang-after>")
const hangAfter = Number(hangAfterText)

let acked = 0
const hanging = Layer.scoped(
  EventStream,
  Effect.map(makeNatsEventStream({ url, stream, subjectPrefix }), (real) => ({
    ...real,
    publishInOrder: (events: ReadonlyArray<StreamEvent>, after: Option.Option<string>) =>
      acked + events.length <= hangAfter
        ? Effect.tap(real.publishInOrder(events, after), (r) => Effect.sync(() => (acked += r.acknowledged)))
        : real.publishInOrder(events.slice(0, hangAfter - acked), after).pipe(
            Effect.tap((r) => Effect.sync(() => console.log(`relay-child hanging after ${(acked += r.acknowledged)}`))),
            Effect.zipRight(Effect.never)
          )
  }))
)
const runtime = ManagedRuntime.make(
  Layer.mergeAll(UnitOfWorkLive, OutboxFeedLive(stream), hanging).pipe(Layer.provideMerge(DatabaseFromPool(makePool(databaseUrl, { max: 2 }))))
)
await runtime.runtime()
console.log("relay-child ready")
await runtime.runPromise(relayOutboxForever({ limit: 100, idle: "50 millis", maxBackoff: "1 second" }))
