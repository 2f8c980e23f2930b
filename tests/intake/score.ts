/** How a parser's readings compare with a corpus's: shared by the parser test and bench:intake. */
import { parseMessage } from "../../domain/intake.js"
import type { IntakeContext, ParsedMessage } from "../../domain/intake.js"
import type { Reading, Sample } from "./corpus.js"

const key = (lines: ReadonlyArray<readonly [string, string | null, number]>) =>
  lines
    .map((l) => l.join("/"))
    .sort()
    .join(",")

/** The parse says what the reading says: intent, lines (product, variant, quantity) and place. */
export const agrees = (parsed: ParsedMessage, reading: Reading): boolean =>
  parsed.intent === reading.intent &&
  key(parsed.lines.map((l) => [l.productId, l.variantId ?? null, l.quantity] as const)) === key(reading.lines) &&
  (parsed.place?.value ?? null) === reading.place

/** A reading a person could act on at once: an order with every variant and a town, market or pickup point. */
export const complete = (reading: Reading): boolean =>
  reading.intent === "ORDER" && reading.place !== null && !/^KE-\d{3}$/.test(reading.place) && reading.lines.every((l) => l[1] !== null)

export interface Score {
  readonly samples: number
  readonly confident: number
  readonly confidentAndRight: number
  /** of the drafts marked confident, the share that are right */
  readonly precision: number
  /** of the complete orders, the share marked confident */
  readonly coverage: number
  readonly intentsRight: number
  readonly wrongButConfident: ReadonlyArray<string>
}

export const score = (samples: ReadonlyArray<Sample>, ctx: IntakeContext): Score => {
  let confident = 0
  let right = 0
  let intents = 0
  let completes = 0
  let covered = 0
  const wrong: Array<string> = []
  for (const s of samples) {
    const parsed = parseMessage(s.text, ctx)
    if (parsed.intent === s.reading.intent) intents++
    if (complete(s.reading)) {
      completes++
      if (parsed.confident) covered++
    }
    if (!parsed.confident) continue
    confident++
    if (agrees(parsed, s.reading)) right++
    else wrong.push(s.text)
  }
  return {
    samples: samples.length,
    confident,
    confidentAndRight: right,
    precision: confident === 0 ? 0 : right / confident,
    coverage: completes === 0 ? 0 : covered / completes,
    intentsRight: intents / samples.length,
    wrongButConfident: wrong
  }
}
