/**
 * Text the database cannot hold: NUL (PostgreSQL text and jsonb refuse it) and UTF-16 surrogates
 * without their pair (what a JSON `\ud800` escape decodes to; not UTF-8). Every edge refuses it
 * (adapters/http/edge.ts for the API, backoffice/actions.ts for the back-office's forms).
 */

/** NUL, or a UTF-16 surrogate without its pair. */
export const BAD_CHAR = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Every string (and object key) in a parsed JSON value, without recursion (a deep array must not blow the stack). */
export const hasBadText = (value: unknown): boolean => {
  const stack: Array<unknown> = [value]
  while (stack.length > 0) {
    const v = stack.pop()
    if (typeof v === "string") {
      if (BAD_CHAR.test(v)) return true
    } else if (Array.isArray(v)) {
      for (const item of v) stack.push(item)
    } else if (typeof v === "object" && v !== null) {
      for (const [k, item] of Object.entries(v)) {
        if (BAD_CHAR.test(k)) return true
        stack.push(item)
      }
    }
  }
  return false
}
