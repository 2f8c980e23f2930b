/**
 * Request bodies are bounded before anything reads them. Every route: a declared Content-Length
 * over MAX_BODY_BYTES is refused with 413 at once (the JSON, text and raw parsers also stop a
 * chunked body at their own, smaller, limits). The back-office's form parser (formidable) keeps
 * whole fields in memory and JSON without a limit, so /admin also wants a Content-Length (411
 * without one; browsers always send it) no larger than ADMIN_MAX_BODY_BYTES.
 */
import type { NextFunction, Request, Response } from "express"
import { problem } from "./problems.js"
import { sendProblem } from "./run.js"

export const MAX_BODY_BYTES = 1024 * 1024
export const ADMIN_MAX_BODY_BYTES = 256 * 1024
/**
 * Meta's signed webhook deliveries (WhatsApp Cloud API, Instagram): Meta documents payloads of up to
 * 3 MB. A delivery we refuse is retried for a day and then dropped, with every message in it, so
 * these two receivers read up to this much (the signature is checked over the whole raw body).
 */
export const META_WEBHOOK_MAX_BYTES = 3 * 1024 * 1024
export const META_WEBHOOK_PATHS: ReadonlySet<string> = new Set(["/api/v1/webhooks/whatsapp", "/api/v1/webhooks/instagram"])

const declaredLength = (req: Request): number | undefined => {
  const v = req.headers["content-length"]
  return v === undefined || !/^\d{1,15}$/.test(v) ? undefined : Number(v)
}

const hasBody = (req: Request) => req.headers["transfer-encoding"] !== undefined || (declaredLength(req) ?? 0) > 0

const tooLarge = (res: Response, max: number) => {
  res.setHeader("Connection", "close")
  sendProblem(res, problem(413, "REQUEST.TOO_LARGE", `the body is too large: at most ${max} bytes`))
}

export const bodyLimit =
  (max: number, options: { readonly requireLength?: boolean } = {}) =>
  (req: Request, res: Response, next: NextFunction) => {
    if (!hasBody(req)) return next()
    const length = declaredLength(req)
    if (length === undefined && options.requireLength === true)
      return sendProblem(res, problem(411, "REQUEST.LENGTH_REQUIRED", "a request with a body here needs a Content-Length header"))
    if (length !== undefined && length > max) return tooLarge(res, max)
    next()
  }
