/**
 * `npm start` with NATS_URL runs the outbox relay beside the worker: an event committed while it runs
 * reaches the stream, and SIGTERM stops the relay in order. Real PostgreSQL and NATS (skipped without
 * NATS_URL); the stream and subjects are this test's own (NATS_STREAM, NATS_SUBJECT_PREFIX).
 */
import { afterAll, describe, expect, it } from "vitest"
import { repoRoot } from "../../adapters/postgres/paths.js"
import { startPlatform } from "../support/platform-process.js"
import type { PlatformProcess } from "../support/platform-process.js"
import { appendEvents, deleteStreams, freshStream, natsUrl, readStream } from "../support/nats.js"
import type { TestStream } from "../support/nats.js"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase()
let platform: PlatformProcess | undefined
let stream: TestStream | undefined
afterAll(async () => {
  await platform?.stop(10_000)
  if (natsUrl !== undefined && stream !== undefined) await deleteStreams(natsUrl, [stream.stream])
})

describe.skipIf(natsUrl === undefined)(natsUrl === undefined ? "npm start with NATS_URL (skipped: NATS_URL is unset)" : "npm start with NATS_URL", () => {
  it("runs the relay with the worker: a committed event reaches <prefix>.<aggregate>.<type>", { timeout: 240_000 }, async () => {
    const s = (stream = freshStream(natsUrl ?? ""))
    platform = await startPlatform(repoRoot, {
      DATABASE_URL: db.ownerUrl,
      REDIS_URL: undefined,
      NODE_ENV: "development",
      SEED_DEMO: "0",
      NATS_URL: s.url,
      NATS_STREAM: s.stream,
      NATS_SUBJECT_PREFIX: s.subjectPrefix
    })
    expect(platform.output()).toContain('"msg":"event relay running"')
    await appendEvents(db.sql, "started", 1, 1)
    const [event] = await db.sql<Array<{ id: string }>>`select id from outbox where aggregate_id = 'started-0'`
    const end = Date.now() + 30_000
    while (Date.now() < end && !(await readStream(s.url, s.stream)).some((e) => e.msgId === event?.id)) await new Promise((r) => setTimeout(r, 100))
    const streamed = (await readStream(s.url, s.stream)).find((e) => e.msgId === event?.id)
    expect(streamed?.subject).toBe(`${s.subjectPrefix}.order.ORDER_PAID`)
    expect(await platform.stop()).toBe(0)
    expect(platform.output()).toContain('"msg":"stop: event relay"')
  })
})
