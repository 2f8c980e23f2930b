/**
 * Whether statements look rows up by index in tables that grow with the business. Each statement, as
 * the application sent it and with its parameters (makePool's onStatement), is EXPLAINed (nothing is
 * run) on the same database; every plan node reading one of `long` must use an index condition: no
 * Seq Scan, no index read whole. A partial index may be read whole: it holds what is in flight (the
 * reservations of checkouts awaiting payment), not the history. Give the tables a history and their
 * statistics (ANALYZE) first: on a few rows a scan is the planner's right choice.
 */
import type { Sql } from "../../adapters/postgres/database.js"

export interface SentStatement {
  /** as sent: its comments end at a line's end */
  readonly query: string
  readonly parameters: ReadonlyArray<unknown>
}

/** A pool's onStatement that keeps what it is sent while `recording` is on. */
export const sentStatements = () => {
  let kept: Array<SentStatement> | undefined
  return {
    onStatement: (query: string, parameters: ReadonlyArray<unknown>): void => void kept?.push({ query, parameters }),
    during: async (run: () => Promise<void>): Promise<ReadonlyArray<SentStatement>> => {
      kept = []
      try {
        await run()
        return kept
      } finally {
        kept = undefined
      }
    }
  }
}

interface PlanNode {
  readonly "Node Type": string
  readonly "Relation Name"?: string
  readonly "Index Name"?: string
  readonly "Index Cond"?: string
  readonly Plans?: ReadonlyArray<PlanNode>
}

/** Each scan of a long table in the statements' plans, with the statement's first words; none is the goal. */
export const scansOfLongTables = async (sql: Sql, statements: ReadonlyArray<SentStatement>, long: ReadonlySet<string>) => {
  const partial = new Set(
    (await sql<Array<{ name: string }>>`select indexrelid::regclass::text as name from pg_index where indpred is not null`).map((r) => r.name)
  )
  const indexes = new Map(
    (await sql<Array<{ index: string; table: string }>>`select indexrelid::regclass::text as index, indrelid::regclass::text as table from pg_index`).map(
      (r) => [r.index, r.table]
    )
  )
  const scans = (node: PlanNode): Array<string> => {
    // (a Bitmap Index Scan names its index only)
    const table = node["Relation Name"] ?? indexes.get(node["Index Name"] ?? "")
    const whole =
      node["Node Type"] === "Seq Scan" || (/Index/.test(node["Node Type"]) && node["Index Cond"] === undefined && !partial.has(node["Index Name"] ?? ""))
    return [
      ...(table !== undefined && long.has(table) && whole
        ? [`${node["Node Type"]} on ${table}${node["Index Name"] ? ` using ${node["Index Name"]}` : ""}`]
        : []),
      ...(node.Plans ?? []).flatMap(scans)
    ]
  }
  const found: Array<string> = []
  const explained = statements.filter((s) => /^\s*(select|with|insert|update|delete)\b/i.test(s.query))
  for (const s of explained) {
    const [row] = await sql.unsafe(`explain (format json) ${s.query}`, s.parameters as never)
    const plan = (row!["QUERY PLAN"] as ReadonlyArray<{ readonly Plan: PlanNode }>)[0]!.Plan
    for (const scan of scans(plan)) found.push(`${scan}: ${s.query.replace(/\s+/g, " ").trim().slice(0, 160)}`)
  }
  return { explained: explained.length, found }
}
