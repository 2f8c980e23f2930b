/**
 * How fast one outbox relay moves events into NATS JetStream: EVENTS outbox rows (3 per
 * "checkout", over many orders) in a scratch database, then the relay's rounds until drained, on a
 * stream of its own (deleted after). Prints events/s and the relay process's CPU time per event.
 *   NATS_URL=nats://127.0.0.1:4222 npx tsx bench/event-relay.ts [events=10000] [round=500]
 */
import { ManagedRuntime } from "effect"
import { jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import { relayOutboxOnce } from "../application/events/relay-outbox.js"
import { makePool } from "../adapters/postgres/database.js"
import { eventRelayLayer } from "../composition/event-relay.js"
import { scratchDatabase } from "./support.js"

const url = process.env["NATS_URL"]?.trim()
if (!url) throw new Error("set NATS_URL (nats://127.0.0.1:4222) to run this bench")
const events = Number(process.argv[2] ?? 10_000)
const round = Number(process.argv[3] ?? 500)
const tag = Date.now().toString(36)
const settings = { url, stream: `AMANA_BENCH_${tag}`, subjectPrefix: `amana_bench_${tag}` }

const db = await scratchDatabase("amana_bench_relay")
const pool = makePool(db.url, { max: 4 })
const runtime = ManagedRuntime.make(eventRelayLayer(pool, settings))
try {
  for (let from = 0; from < events; from += 3_000)
    await pool`insert into outbox (event_type, aggregate_type, aggregate_id, payload)
      select (array['CHECKOUT_PLACED', 'ORDER_PAID', 'ORDER_PAID'])[i % 3 + 1], 'ORDER', 'ord_' || (i / 3), jsonb_build_object('checkoutId', 'chk_' || (i / 3), 'total', 250000)
        from generate_series(${from}::int, ${Math.min(events, from + 3_000) - 1}::int) as i`
  await runtime.runtime()
  const cpu = process.cpuUsage()
  const started = performance.now()
  let published = 0
  for (;;) {
    const r = await runtime.runPromise(relayOutboxOnce(round))
    published += r.published
    if (!r.more) break
  }
  const wallMs = performance.now() - started
  const used = process.cpuUsage(cpu)
  console.log(
    JSON.stringify({
      events: published,
      round,
      eventsPerSecond: Math.round((published / wallMs) * 1000),
      wallMs: Math.round(wallMs),
      relayCpuMsPerEvent: Number(((used.user + used.system) / 1000 / published).toFixed(3))
    })
  )
} finally {
  await runtime.dispose()
  await pool.end({ timeout: 5 })
  await db.drop()
  const nc = await connect({ servers: url })
  await (await jetstreamManager(nc)).streams.delete(settings.stream).catch(() => false)
  await nc.close()
}
