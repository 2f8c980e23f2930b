/**
 * Whether statements look rows up by index in tables that grow with the business. Each statement, as
 * the application sent it and with its parameters (statementRecorder's `sent`), is EXPLAINed (nothing is
 * run) on the same database; every plan node reading one of `long` must use an index condition: no
 * Seq Scan, no index read whole. A partial index may be read whole: it holds what is in flight (the
 * reservations of checkouts awaiting payment), not the history. Give the tables a history and their
 * statistics (ANALYZE) first: on a few rows a scan is the planner's right choice.
 */
import type { Sql } from "../../adapters/postgres/database.js"
import type { SentStatement } from "./statement-recorder.js"

interface PlanNode {
  readonly "Node Type": string
  readonly "Relation Name"?: string
  readonly "Index Name"?: string
  readonly "Index Cond"?: string
  readonly Plans?: ReadonlyArray<PlanNode>
}

/** Each scan of a long table in the statements' plans, with the statement's first words; none is the goal. */
export const scansOfLongTables = async (sql: Sql, statements: ReadonlyArray<SentStatement>, long: ReadonlySet<string>) => {
  // each index's table, and whether it is partial
  const indexes = new Map(
    (
      await sql<Array<{ index: string; table: string; partial: boolean }>>`
      select indexrelid::regclass::text as index, indrelid::regclass::text as table, indpred is not null as partial from pg_index`
    ).map((r) => [r.index, r])
  )
  const scans = (node: PlanNode): Array<string> => {
    // (a Bitmap Index Scan names its index only)
    const index = indexes.get(node["Index Name"] ?? "")
    const table = node["Relation Name"] ?? index?.table
    const whole = node["Node Type"] === "Seq Scan" || (/Index/.test(node["Node Type"]) && node["Index Cond"] === undefined && index?.partial !== true)
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
