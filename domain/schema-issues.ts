/**
 * A Schema decoding failure as the list of fields that failed and why, for people: `{ path, message }`
 * per issue (the path dotted, e.g. "variants.0.sku"), at most 20, each message cut to 200 characters
 * (a message may quote the value it refused, and an oversized value must not come back whole).
 * Never the schema tree itself: that names internal types and says more than the client needs.
 */
import { ParseResult } from "effect"

export interface SchemaIssue {
  readonly path: string
  readonly message: string
}

const MAX_ISSUES = 20
const MAX_MESSAGE = 200

const cut = (s: string) => (s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE - 1)}…` : s)

export const schemaIssues = (e: ParseResult.ParseError, prefix: ReadonlyArray<string> = []): ReadonlyArray<SchemaIssue> =>
  ParseResult.ArrayFormatter.formatErrorSync(e)
    .slice(0, MAX_ISSUES)
    .map((i) => ({ path: [...prefix, ...i.path.map(String)].join("."), message: cut(i.message) }))

/** "title: Expected a non empty string (and 2 more)": the first issue and a count, for a `detail`. */
export const describeIssues = (issues: ReadonlyArray<SchemaIssue>): string => {
  const first = issues[0]
  if (first === undefined) return "invalid"
  return `${first.path === "" ? "" : `${first.path}: `}${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""}`
}
