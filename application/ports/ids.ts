/** Ids: where new identifiers come from (random in production, predictable in tests). */
import { Context } from "effect"
import type { Effect } from "effect"

export class Ids extends Context.Tag("amana/Ids")<
  Ids,
  {
    /** A new unique id with a readable prefix, e.g. "ord_01J...". */
    readonly next: (prefix: string) => Effect.Effect<string>
    /** A numeric one-time code of `digits` digits (OTP, handover code). */
    readonly code: (digits: number) => Effect.Effect<string>
  }
>() {}
