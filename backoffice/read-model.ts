/**
 * The back-office's resource adapter: an AdminJS BaseResource over a read query (a SELECT written
 * for the screen, joins and all), never over a table. It can list, count, filter, sort and show;
 * create/update/delete refuse, so the only way to change anything is a custom action that calls an
 * application use case.
 */
import { BaseProperty, BaseRecord, BaseResource } from "adminjs"
import type { ActionContext, PropertyType, Filter } from "adminjs"
import type { CancellableQuery, Sql } from "../adapters/postgres/database.js"
import { parseInstant } from "./instants.js"

export type Read = <A>(f: (sql: Sql) => CancellableQuery<A>) => Promise<A>

export interface ReadModelProperty {
  readonly path: string
  readonly type?: PropertyType
  readonly isId?: boolean
  readonly sortable?: boolean
  /** text: case-insensitive contains; exact: equality (enums, ids); range: from/to; none: not filterable */
  readonly filter?: "text" | "exact" | "range" | "none"
}

export interface ReadModelSpec {
  readonly id: string
  /** A SELECT whose columns are named like the properties. Filters, sort and paging wrap it. */
  readonly query: string
  readonly properties: ReadonlyArray<ReadModelProperty>
  /** Extra params for the show page only (e.g. the receipt of an order), as display-ready values. */
  readonly detail?: (read: Read, id: string, row: Record<string, unknown>) => Promise<Record<string, unknown>>
  /** Display columns computed from a row (e.g. money as "KES 1,500.00"). */
  readonly format?: (row: Record<string, unknown>) => Record<string, unknown>
}

class ReadOnly extends Error {
  constructor(resource: string) {
    super(`${resource} is read-only here: changes go through the back-office actions`)
  }
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`

/** Values as AdminJS shows them: objects as JSON text (AdminJS would otherwise flatten them into many params). */
const toParams = (row: Record<string, unknown>): Record<string, unknown> => {
  const params: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(row)) {
    params[key] = value !== null && typeof value === "object" && !(value instanceof Date) ? JSON.stringify(value, null, 2) : value
  }
  return params
}

export class ReadModelResource extends BaseResource {
  private readonly props: ReadonlyArray<BaseProperty>

  constructor(
    private readonly spec: ReadModelSpec,
    private readonly read: Read
  ) {
    super(spec)
    this.props = spec.properties.map(
      (p, position) => new BaseProperty({ path: p.path, type: p.type ?? "string", isId: p.isId ?? false, isSortable: p.sortable ?? true, position })
    )
  }

  static override isAdapterFor(raw: unknown): boolean {
    return raw instanceof ReadModelResource
  }

  override databaseName(): string {
    return "amana"
  }
  override databaseType(): string {
    return "postgresql"
  }
  override id(): string {
    return this.spec.id
  }
  override properties(): Array<BaseProperty> {
    return [...this.props]
  }
  override property(path: string): BaseProperty | null {
    return this.props.find((p) => p.path() === path) ?? null
  }

  /** WHERE clause and its parameters; only declared properties can be filtered, so column names are ours. */
  private where(filter: Filter | undefined): { text: string; values: Array<unknown> } {
    const clauses: Array<string> = []
    const values: Array<unknown> = []
    for (const f of Object.values(filter?.filters ?? {})) {
      const spec = this.spec.properties.find((p) => p.path === f.path)
      if (!spec || spec.filter === "none") continue
      const column = `r.${quote(spec.path)}`
      const value = f.value as unknown
      if (value !== null && typeof value === "object") {
        const range = value as { from?: unknown; to?: unknown }
        // list-params.ts refused what is not an instant; anything else that reaches here is left out, never sent as text
        const bound = (v: unknown) => {
          if (typeof v !== "string" || v === "") return undefined
          if (spec.type !== "datetime" && spec.type !== "date") return v
          const ms = parseInstant(v)
          return ms === undefined ? undefined : new Date(ms).toISOString()
        }
        const from = bound(range.from)
        const to = bound(range.to)
        if (from !== undefined) clauses.push(`${column} >= $${values.push(from)}`)
        if (to !== undefined) clauses.push(`${column} <= $${values.push(to)}`)
      } else if (typeof value === "string" && value !== "") {
        const mode = spec.filter ?? (spec.isId ? "exact" : "text")
        if (mode === "exact") clauses.push(`${column}::text = $${values.push(value)}`)
        else if (mode === "range") clauses.push(`${column}::text = $${values.push(value)}`)
        else clauses.push(`${column}::text ilike $${values.push(`%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`)
      }
    }
    return { text: clauses.length === 0 ? "" : `where ${clauses.join(" and ")}`, values }
  }

  private toRecord(row: Record<string, unknown>): BaseRecord {
    return new BaseRecord(toParams({ ...row, ...(this.spec.format ? this.spec.format(row) : {}) }), this)
  }

  override async count(filter: Filter, _context?: ActionContext): Promise<number> {
    const w = this.where(filter)
    const rows = await this.read((sql) =>
      sql.unsafe<Array<{ n: number }>>(`select count(*)::int as n from (${this.spec.query}) r ${w.text}`, w.values as never)
    )
    return rows[0]?.n ?? 0
  }

  override async find(
    filter: Filter,
    options: { limit?: number; offset?: number; sort?: { sortBy?: string; direction?: "asc" | "desc" } },
    _context?: ActionContext
  ): Promise<Array<BaseRecord>> {
    const w = this.where(filter)
    const idPath = this.spec.properties.find((p) => p.isId)?.path ?? "id"
    const sortable = this.spec.properties.find((p) => p.path === options.sort?.sortBy && p.sortable !== false)
    const direction = options.sort?.direction === "desc" ? "desc" : "asc"
    const order = sortable ? `r.${quote(sortable.path)} ${direction} nulls last, r.${quote(idPath)}` : `r.${quote(idPath)}`
    // AdminJS computes these from the query (list-params.ts checked it); never let NaN or 1e300 reach the SQL text
    const whole = (n: unknown, fallback: number) => (typeof n === "number" && Number.isSafeInteger(n) ? n : fallback)
    const limit = Math.min(Math.max(whole(options.limit, 10), 1), 500)
    const offset = Math.min(Math.max(whole(options.offset, 0), 0), 500_000_000)
    const rows = await this.read((sql) =>
      sql.unsafe<Array<Record<string, unknown>>>(
        `select * from (${this.spec.query}) r ${w.text} order by ${order} limit ${limit} offset ${offset}`,
        w.values as never
      )
    )
    return rows.map((row) => this.toRecord(row))
  }

  override async findOne(id: string, _context?: ActionContext): Promise<BaseRecord | null> {
    const idPath = this.spec.properties.find((p) => p.isId)?.path ?? "id"
    const rows = await this.read((sql) =>
      sql.unsafe<Array<Record<string, unknown>>>(`select * from (${this.spec.query}) r where r.${quote(idPath)}::text = $1`, [id])
    )
    const row = rows[0]
    if (!row) return null
    const extra = this.spec.detail ? await this.spec.detail(this.read, id, row) : {}
    return this.toRecord({ ...row, ...extra })
  }

  override async findMany(ids: Array<string | number>, _context?: ActionContext): Promise<Array<BaseRecord>> {
    const idPath = this.spec.properties.find((p) => p.isId)?.path ?? "id"
    const rows = await this.read((sql) =>
      sql.unsafe<Array<Record<string, unknown>>>(`select * from (${this.spec.query}) r where r.${quote(idPath)}::text = any($1)`, [ids.map(String)] as never)
    )
    return rows.map((row) => this.toRecord(row))
  }

  override build(params: Record<string, unknown>): BaseRecord {
    return new BaseRecord(params, this)
  }

  override async create(): Promise<never> {
    throw new ReadOnly(this.spec.id)
  }
  override async update(): Promise<never> {
    throw new ReadOnly(this.spec.id)
  }
  override async delete(): Promise<never> {
    throw new ReadOnly(this.spec.id)
  }
}
