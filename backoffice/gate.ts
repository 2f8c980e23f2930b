/**
 * The server-side gate in front of AdminJS: a request that may change something (any method but
 * GET, HEAD and OPTIONS) passes only when it is
 *   - the login form (POST /login), or
 *   - a POST to a record, bulk or resource action whose capability the logged-in admin's role
 *     grants (or one of the few actions that only read).
 * Everything else that writes (AdminJS's built-in new/edit/delete, unknown actions, unknown paths,
 * an action on a route not of its kind) is refused with 403: deny by default, so the gate holds on its own. The use case checks the role
 * again; this gate makes a forged request fail loudly before any AdminJS code runs.
 *
 * The path is read the way Express routes it, so no spelling slips past: segments are
 * percent-decoded, matched case-insensitively, and empty segments (`//`) and a trailing slash are
 * dropped. Resource and action names keep their case: AdminJS looks them up exactly, and so do we
 * (a wrong case finds no capability, which is a refusal).
 */
import type { NextFunction, Request, Response } from "express"
import { AdminRole, can } from "../application/admin/admin-roles.js"
import { writeCapabilities } from "./actions.js"

/** 4xx answers from the back-office's own guards: the composition root makes them problem+json. */
export type Refuse = (res: Response, status: number, code: string, detail: string) => void

// POSTs that only read (the list page posts its filters on some versions; search is a lookup), each on its route
const READ_ACTIONS = new Map<string, ActionRoute>([
  ["list", "resource"],
  ["search", "resource"],
  ["show", "record"],
  ["verifyChain", "resource"]
])
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"])

export const isStateChanging = (method: string) => !SAFE_METHODS.has(method.toUpperCase())

/** The path's segments, percent-decoded, without empty ones; undefined when a segment does not decode. */
export const pathSegments = (path: string): ReadonlyArray<string> | undefined => {
  const out: Array<string> = []
  for (const raw of path.split("/")) {
    if (raw === "") continue
    try {
      out.push(decodeURIComponent(raw))
    } catch {
      return undefined
    }
  }
  return out
}

/**
 * Which of AdminJS's three action routes a request came by. AdminJS runs any action's handler on any
 * of them (and on the bulk route throws after it ran, when the answer is not a list of records), so
 * the gate lets an action through only on the route of its own kind.
 */
export type ActionRoute = "record" | "bulk" | "resource"

export type AdminRoute =
  | { readonly _tag: "Login" }
  | { readonly _tag: "Logout" }
  | { readonly _tag: "Action"; readonly resourceId: string; readonly action: string; readonly via: ActionRoute }
  | { readonly _tag: "List"; readonly resourceId: string }
  | { readonly _tag: "Other" }

const is = (segment: string | undefined, literal: string) => segment !== undefined && segment.toLowerCase() === literal

/** What an /admin path (relative to the mount) names, read as Express would route it. */
export const adminRoute = (path: string): AdminRoute | undefined => {
  const s = pathSegments(path)
  if (s === undefined) return undefined
  if (s.length === 1 && is(s[0], "login")) return { _tag: "Login" }
  if (s.length === 1 && is(s[0], "logout")) return { _tag: "Logout" }
  if (!is(s[0], "api") || !is(s[1], "resources") || s[2] === undefined) return { _tag: "Other" }
  const resourceId = s[2]
  if (is(s[3], "records") && s.length === 6) return { _tag: "Action", resourceId, action: s[5]!, via: "record" }
  if ((is(s[3], "bulk") || is(s[3], "actions")) && s.length === 5) {
    if (is(s[3], "actions") && s[4] === "list") return { _tag: "List", resourceId }
    return { _tag: "Action", resourceId, action: s[4]!, via: is(s[3], "bulk") ? "bulk" : "resource" }
  }
  return { _tag: "Other" }
}

const roleOf = (req: Request): AdminRole | undefined => {
  const role = (req.session as unknown as { adminUser?: { role?: unknown } } | undefined)?.adminUser?.role
  return typeof role === "string" && AdminRole.literals.includes(role as AdminRole) ? (role as AdminRole) : undefined
}

export const adminWriteGate =
  (refuse: Refuse) =>
  (req: Request, res: Response, next: NextFunction): void => {
    if (!isStateChanging(req.method)) return next()
    const route = adminRoute(req.path)
    if (route === undefined) return refuse(res, 400, "REQUEST.MALFORMED_URL", "the URL is not valid")
    if (route._tag === "Login") return next()
    if (route._tag === "List") return next()
    if (route._tag !== "Action") return refuse(res, 403, "ADMIN.FORBIDDEN", `${req.method} ${req.path} is not a back-office action`)
    const { resourceId, action, via } = route
    const notAnAction = () => refuse(res, 403, "ADMIN.FORBIDDEN", `${action} on ${resourceId} is not a back-office action`)
    const readVia = READ_ACTIONS.get(action)
    if (readVia !== undefined) return readVia === via ? next() : notAnAction()
    const write = writeCapabilities.get(`${resourceId}:${action}`)
    if (write === undefined || write.actionType !== via) return notAnAction()
    const role = roleOf(req)
    if (role !== undefined && can(role, write.capability)) return next()
    refuse(res, 403, "ADMIN.FORBIDDEN", `a ${String(role ?? "visitor")} may not ${action} ${resourceId}`)
  }
