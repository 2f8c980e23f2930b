/**
 * SIGKILL the relay process mid-round (acknowledged events in the stream, its cursor not yet moved),
 * start the app's relay again, and every event is in the stream exactly once, in commit order per
 * aggregate. Real PostgreSQL, real NATS JetStream (skipped without NATS_URL).
 */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { resolve } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { startEventRelay } from "../../composition/event-relay.js"
import { appendEvents, compareWithOutbox, deleteStreams, freshStream, natsUrl, streamInfo } from "../support/nats.js"
import type { TestStream } from "../support/nats.js"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase()
const EVENTS = 400
const HANG_AFTER = 150
const children: Array<ChildProcess> = []
let stream: TestStream | undefined
afterAll(async () => {
  for (const c of children) c.kill("SIGKILL")
  if (natsUrl !== undefined && stream !== undefined) await deleteStreams(natsUrl, [stream.stream])
})

const startChild = (s: TestStream) =>
  new Promise<ChildProcess>((ok, fail) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", resolve(import.meta.dirname, "../support/relay-child.ts"), db.url, s.url, s.stream, s.subjectPrefix, String(HANG_AFTER)],
      { stdio: ["ignore", "pipe", "pipe"] }
    )
    children.push(child)
    let out = ""
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString()
      if (out.includes("relay-child hanging")) ok(child)
    })
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()))
    child.once("exit", (code) => fail(new Error(`relay exited early (${code}): ${out}`)))
  })

const until = async (check: () => Promise<boolean>, timeoutMs: number) => {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error("timed out")
}

describe.skipIf(natsUrl === undefined)(natsUrl === undefined ? "event relay crash (skipped: NATS_URL is unset)" : "event relay crash", () => {
  it("SIGKILL mid-round, restart: every event in the stream exactly once, in commit order per aggregate", async () => {
    const s = (stream = freshStream(natsUrl ?? ""))
    for (let t = 0; t < 8; t++) await appendEvents(db.sql, "kill", EVENTS / 8, 7, (t * EVENTS) / 8)

    const child = await startChild(s)
    // Killed mid-round: 150 acknowledged, the cursor still at the end of the first round of 100.
    expect((await streamInfo(s.url, s.stream)).state.messages).toBe(HANG_AFTER)
    const [cursor] = await db.sql<Array<{ published: number }>>`select published from event_stream_cursors where stream = ${s.stream}`
    expect(cursor?.published).toBe(100)
    child.kill("SIGKILL")
    await new Promise((r) => child.once("exit", r))

    const relay = await startEventRelay(db.sql, s, { limit: 100, idle: "50 millis", maxBackoff: "1 second" })
    try {
      await until(async () => {
        const [row] = await db.sql<Array<{ published: number }>>`select published from event_stream_cursors where stream = ${s.stream}`
        return row?.published === EVENTS
      }, 30_000)
    } finally {
      await relay.stop()
    }
    const seen = await compareWithOutbox(db.sql, s.url, s.stream)
    expect(seen.streamIds).toHaveLength(EVENTS)
    expect(seen.streamIds).toEqual(seen.outboxIds)
    expect(seen.msgIdsMatch).toBe(true)
    expect(seen.streamOrder).toEqual(seen.outboxOrder)
  })
})
