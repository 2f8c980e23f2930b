/**
 * `npm run bench:checkout-floor`: how much of a checkout's node CPU is the database driver and how
 * much the rest (Effect's runtime, the use case, the domain's pricing and snapshot). One checkout's
 * statements are recorded as sent (text and parameters); then rounds alternate, in one run, between
 * the use case (placeCheckout, as bench:checkout runs it) and a bare replay of those statements
 * through postgres.js in a transaction that rolls back (same statements, same parameters, one after
 * another, no Effect, no domain code). Both at BENCH_CLIENTS (32) concurrent; node CPU per checkout
 * from process.cpuUsage. The replay's figure is a floor for the driver's part, not a checkout: it
 * rolls back and waits for each statement (the use case pipelines some).
 * BENCH_CHECKOUTS (1,000 per round), BENCH_ROUNDS (3 of each).
 */
import { Effect, ManagedRuntime } from "effect"
import { placeCheckout } from "../application/checkout/place-checkout.js"
import { persistenceLayer } from "../composition/platform.js"
import { makePool } from "../adapters/postgres/database.js"
import { analyzeChanged, analyzeSeeded, median, scratchDatabase, seedBenchWorld, seedBuyers, twoSellerCheckout } from "./support.js"

const CLIENTS = Number(process.env["BENCH_CLIENTS"] ?? 32)
const CHECKOUTS = Number(process.env["BENCH_CHECKOUTS"] ?? 1_000)
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 3)
const BUYERS = 500
const PRODUCTS = 20

const scratch = await scratchDatabase("amana_bench_floor")
const pool = makePool(scratch.url, { max: 20 })
// the checkout is recorded in a twin database (seeded the same way), so its ids are new where it is replayed
const twin = await scratchDatabase("amana_bench_floor_twin")
let recording = false
const recorded: Array<{ query: string; parameters: ReadonlyArray<unknown>; types: ReadonlyArray<number> }> = []
const recorder = makePool(twin.url, {
  max: 2,
  onStatement: (query, parameters, types) => {
    if (recording) recorded.push({ query, parameters, types })
  }
})
try {
  for (const db of [pool, recorder]) {
    await seedBenchWorld(db, PRODUCTS)
    await seedBuyers(db, BUYERS, "usr_f_")
    await analyzeSeeded(db)
  }
  const command = (i: number) => twoSellerCheckout(i, { buyerPrefix: "usr_f_", keyPrefix: "floor-", buyers: BUYERS, products: PRODUCTS })
  // one checkout's statements, as sent (the second one, so nothing is first-time)
  const recordingRuntime = ManagedRuntime.make(persistenceLayer(recorder))
  await recordingRuntime.runPromise(placeCheckout(command(1_000_000)))
  recording = true
  await recordingRuntime.runPromise(placeCheckout(command(1_000_001)))
  recording = false
  await recordingRuntime.dispose()
  const statements = recorded.filter((s) => !/^\s*(begin|commit|rollback)\b/i.test(s.query))

  const runtime = ManagedRuntime.make(persistenceLayer(pool))
  let next = 0
  const useCase = () =>
    runtime.runPromise(
      Effect.forEach(
        Array.from({ length: CHECKOUTS }, () => next++),
        (i) => placeCheckout(command(i)),
        { concurrency: CLIENTS, discard: true }
      )
    )
  class Rollback extends Error {}
  // postgres.js serializes a query's parameters in place once sent: what was recorded is their text.
  // Each is given back its value and its type (a json array stays json, a boolean a boolean).
  const revive = (v: unknown, type: number): unknown =>
    typeof v !== "string" ? v : type === 114 || type === 3802 ? JSON.parse(v) : type === 16 ? v === "t" : v
  const replayOne = () =>
    pool
      .begin(async (tx) => {
        for (const s of statements)
          await tx.unsafe(s.query, s.parameters.map((v, i) => (s.types[i] ? tx.typed(revive(v, s.types[i]!) as never, s.types[i]!) : v)) as never)
        throw new Rollback()
      })
      .catch((e: unknown) => {
        if (!(e instanceof Rollback)) throw e
      })
  const replay = async () => {
    let left = CHECKOUTS
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (left-- > 0) await replayOne()
      })
    )
  }
  const measure = async (f: () => Promise<unknown>) => {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    await f()
    const c = process.cpuUsage(c0)
    return { cpuMs: (c.user + c.system) / 1000 / CHECKOUTS, perSecond: CHECKOUTS / ((performance.now() - t0) / 1000) }
  }
  // warm-up of both, then the statistics a live database would have
  await useCase()
  await replay()
  await analyzeChanged(pool)
  const figures = { "use case": [] as Array<{ cpuMs: number; perSecond: number }>, replay: [] as Array<{ cpuMs: number; perSecond: number }> }
  for (let r = 0; r < ROUNDS; r++)
    for (const side of r % 2 === 0 ? (["use case", "replay"] as const) : (["replay", "use case"] as const))
      figures[side].push(await measure(side === "use case" ? useCase : replay))
  console.log(
    `checkout floor: ${CHECKOUTS} checkouts per round at ${CLIENTS} clients, rounds alternating; one checkout's ${statements.length} statements replayed bare`
  )
  for (const [name, rounds] of Object.entries(figures))
    console.log(
      `  ${name.padEnd(9)} node ${median(rounds.map((x) => x.cpuMs)).toFixed(2)} ms CPU per checkout (median; rounds ${rounds.map((x) => x.cpuMs.toFixed(2)).join(", ")}), ${median(rounds.map((x) => x.perSecond)).toFixed(0)}/s`
    )
  const share = median(figures.replay.map((x) => x.cpuMs)) / median(figures["use case"].map((x) => x.cpuMs))
  console.log(`  the bare statements are ${(share * 100).toFixed(0)}% of the use case's node CPU; the rest is the platform's own code and runtime`)
  await runtime.dispose()
} finally {
  await recorder.end({ timeout: 5 })
  await pool.end({ timeout: 5 })
  await scratch.drop()
  await twin.drop()
}
