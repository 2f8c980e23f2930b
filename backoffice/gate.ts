/**
 * The server-side gate in front of AdminJS's API: a write request (POST to a record, bulk or
 * resource action) passes only when the logged-in admin's role grants the capability that action
 * was registered with. Everything else that writes (AdminJS's built-in new/edit/delete, unknown
 * actions) is refused with 403. The use case checks the role again; this gate makes a forged
 * request fail loudly before any AdminJS code runs.
 */
import type { NextFunction, Request, Response } from "express"
import { AdminRole, can } from "../application/admin/admin-roles.js"
import { writeCapabilities } from "./actions.js"

const WRITE_PATH = /^\/api\/resources\/([^/]+)\/(?:records\/[^/]+|bulk|actions)\/([^/?]+)/
// POSTs that only read (the list page posts its filters on some versions; search is a lookup)
const READ_ACTIONS = new Set(["list", "search", "show", "verifyChain"])

export const adminWriteGate = (req: Request, res: Response, next: NextFunction): void => {
  if (req.method !== "POST" && req.method !== "PUT" && req.method !== "PATCH" && req.method !== "DELETE") return next()
  const match = WRITE_PATH.exec(req.path)
  if (!match) return next()
  const [, resourceId, action] = match
  if (action && READ_ACTIONS.has(action)) return next()
  const capability = writeCapabilities.get(`${resourceId}:${action}`)
  const role = (req.session as unknown as { adminUser?: { role?: unknown } } | undefined)?.adminUser?.role
  const permitted = capability !== undefined && typeof role === "string" && AdminRole.literals.includes(role as AdminRole) && can(role as AdminRole, capability)
  if (permitted) return next()
  res.status(403).json({ error: { code: "ADMIN.FORBIDDEN", message: capability ? `a ${String(role ?? "visitor")} may not ${action} ${resourceId}` : `${action} on ${resourceId} is not a back-office action` } })
}
