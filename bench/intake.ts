/**
 * `npm run bench:intake`: the chat parser (domain/intake.ts) over the corpus (tests/intake/corpus.ts):
 * parse latency per message (p50, p99, max over every message parsed many times) and the quality
 * figures, for the corpus it was tuned on and for the held-out messages written after. Targets
 * (issue 14): p99 < 20 ms; of the drafts marked confident >= 98% right.
 */
import { performance } from "node:perf_hooks"
import { parseMessage } from "../domain/intake.js"
import { CONTEXT, CORPUS, HELD_OUT } from "../tests/intake/corpus.js"
import { score } from "../tests/intake/score.js"

const ROUNDS = Number(process.env["INTAKE_ROUNDS"] ?? 50)
const all = [...CORPUS, ...HELD_OUT]
for (const s of all) parseMessage(s.text, CONTEXT) // warm up
const times: Array<number> = []
for (let r = 0; r < ROUNDS; r++)
  for (const s of all) {
    const t0 = performance.now()
    parseMessage(s.text, CONTEXT)
    times.push(performance.now() - t0)
  }
times.sort((a, b) => a - b)
const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!
const ms = (n: number) => `${n.toFixed(3)} ms`
console.log(`parse latency over ${times.length} parses (${all.length} messages x ${ROUNDS}): p50 ${ms(at(0.5))}, p99 ${ms(at(0.99))}, max ${ms(times.at(-1)!)}`)
let failed = at(0.99) >= 20
for (const [name, samples] of [
  ["corpus (tuned on)", CORPUS],
  ["held out (never tuned on)", HELD_OUT]
] as const) {
  const s = score(samples, CONTEXT)
  console.log(
    `${name}: ${s.samples} messages; ${s.confident} drafts marked confident, ${s.confidentAndRight} of them right (${(100 * s.precision).toFixed(1)}%); ` +
      `${(100 * s.coverage).toFixed(1)}% of complete orders marked confident; intents right ${(100 * s.intentsRight).toFixed(1)}%`
  )
  for (const text of s.wrongButConfident) console.log(`  confident but wrong: ${text}`)
  if (s.precision < 0.98) failed = true
}
console.log(failed ? "TARGETS MISSED (p99 < 20 ms, confident-and-right >= 98%)" : "targets met: p99 < 20 ms, confident-and-right >= 98%")
process.exitCode = failed ? 1 : 0
