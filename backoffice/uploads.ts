/**
 * GET /admin/uploads/:id: an uploaded file (a seller's KYC document) served through the admin
 * session, to roles that review sellers (the use case checks the role: readUploadAsAdmin). The KYC
 * review page links and shows thumbnails from here; the API never serves another user's file.
 */
import { Effect, Exit } from "effect"
import type { Request, Response } from "express"
import { readUploadAsAdmin } from "../application/uploads/uploads.js"
import type { PlatformRuntime } from "../composition/platform.js"
import { log } from "../adapters/system/logging.js"
import { actorOf } from "./actions.js"
import type { Refuse } from "./gate.js"

const UPLOAD_ID = /^[A-Za-z0-9_-]{1,100}$/

/** Where the back-office serves an upload (mount.ts mounts serveUpload at ADMIN_ROOT + /uploads/:id; ADMIN_ROOT is /admin). */
export const uploadUrl = (uploadId: string) => `/admin/uploads/${encodeURIComponent(uploadId)}`

export const serveUpload = (runtime: PlatformRuntime, refuse: Refuse) => async (req: Request, res: Response) => {
  const admin = (req.session as unknown as { adminUser?: Parameters<typeof actorOf>[0] } | undefined)?.adminUser
  const actor = actorOf(admin)
  if (actor === undefined) return refuse(res, 401, "ADMIN.LOGIN_REQUIRED", "log in to the back-office first")
  const id = String(req.params["id"] ?? "")
  if (!UPLOAD_ID.test(id)) return refuse(res, 404, "UPLOAD.NOT_FOUND", "there is no such upload")
  const exit = await runtime.runPromiseExit(Effect.either(readUploadAsAdmin(actor, id)))
  if (Exit.isFailure(exit)) {
    log("error", "back-office upload read failed", { uploadId: id })
    return refuse(res, 503, "STORAGE.UNAVAILABLE", "the file cannot be read right now; try again")
  }
  const outcome = exit.value
  if (outcome._tag === "Left") {
    const e = outcome.left
    if (e._tag === "UploadNotFound") return refuse(res, 404, e.code, e.message)
    if (e._tag === "AdminForbidden") return refuse(res, 403, "ADMIN.FORBIDDEN", "your role may not read sellers' documents")
    log("warn", "back-office upload read failed", { uploadId: id, error: e._tag })
    return refuse(res, 503, "STORAGE.UNAVAILABLE", "the file cannot be read right now; try again")
  }
  res.setHeader("Cache-Control", "private, no-store")
  res.setHeader("Content-Disposition", "inline")
  res.status(200).type(outcome.right.record.contentType).send(Buffer.from(outcome.right.bytes))
}
