/**
 * A list's query (`/admin/api/resources/:id/actions/list?page=&perPage=&sortBy=&direction=&filters.*`)
 * is checked before AdminJS reads it: AdminJS turns `perPage=abc` into NaN and passes a date filter
 * through as text, which the database refused with a 500. Now a parameter that cannot be what it
 * names is a 400 saying which one, and the read model only ever sees numbers and instants.
 */
import type { NextFunction, Request, Response } from "express"
import { adminRoute } from "./gate.js"
import type { Refuse } from "./gate.js"
import { parseInstant } from "./instants.js"

export const MAX_PER_PAGE = 500
export const MAX_PAGE = 1_000_000

/** A resource's properties by path, with AdminJS's type names ("datetime", "number", "string", ...). */
export type DescribeResource = (resourceId: string) => ReadonlyMap<string, string> | undefined

const NUMBER = /^-?\d{1,15}(?:\.\d{1,6})?$/

const single = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined)

/** Why the query cannot be a list query, or undefined when it can. */
export const listQueryProblem = (query: Readonly<Record<string, unknown>>, properties: ReadonlyMap<string, string>): string | undefined => {
  for (const [key, raw] of Object.entries(query)) {
    const value = single(raw)
    if (value === undefined) return `${key}: give it once, as text`
    switch (key) {
      case "page":
        if (!/^\d{1,7}$/.test(value) || Number(value) < 1 || Number(value) > MAX_PAGE) return `page: a whole number from 1 to ${MAX_PAGE}`
        continue
      case "perPage":
        if (!/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > MAX_PER_PAGE) return `perPage: a whole number from 1 to ${MAX_PER_PAGE}`
        continue
      case "direction":
        if (value !== "asc" && value !== "desc") return "direction: asc or desc"
        continue
      case "sortBy":
        if (!properties.has(value)) return `sortBy: ${JSON.stringify(value.slice(0, 64))} is not a column of this list`
        continue
    }
    if (!key.startsWith("filters.")) continue
    const [path, bound, ...rest] = key.slice("filters.".length).split("~~")
    if (path === undefined || rest.length > 0 || (bound !== undefined && bound !== "from" && bound !== "to")) return `${key}: not a filter`
    const type = properties.get(path)
    if (type === undefined) return `${key}: ${JSON.stringify(path.slice(0, 64))} is not a column of this list`
    if (value === "") continue
    if ((type === "datetime" || type === "date") && parseInstant(value) === undefined) return `${key}: a date like 2026-11-27 or 2026-11-27T14:30:00Z`
    if ((type === "number" || type === "float") && !NUMBER.test(value)) return `${key}: a number`
  }
  return undefined
}

export const listParamsGuard =
  (describe: DescribeResource, refuse: Refuse) =>
  (req: Request, res: Response, next: NextFunction): void => {
    const route = adminRoute(req.path)
    if (route?._tag !== "List") return next()
    const properties = describe(route.resourceId)
    if (properties === undefined) return refuse(res, 404, "ADMIN.NOT_FOUND", `there is no list called ${JSON.stringify(route.resourceId.slice(0, 64))}`)
    const query = Object.fromEntries(new URLSearchParams(req.originalUrl.split("?")[1] ?? "").entries())
    const all = new URLSearchParams(req.originalUrl.split("?")[1] ?? "")
    const repeated = [...new Set(all.keys())].find((k) => all.getAll(k).length > 1)
    if (repeated !== undefined) return refuse(res, 400, "ADMIN.INVALID_LIST_QUERY", `${repeated}: give it once`)
    const problem = listQueryProblem(query, properties)
    if (problem === undefined) return next()
    refuse(res, 400, "ADMIN.INVALID_LIST_QUERY", problem)
  }
