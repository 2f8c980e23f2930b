/**
 * Text the database cannot hold never gets past the edge: NUL (PostgreSQL text refuses it) and
 * anything that is not well-formed UTF-8 (invalid byte sequences, lone surrogates from `\ud800`
 * escapes). One place checks the URL (path and query, as raw bytes before any decoding), the
 * headers the API reads, and every parsed body; a refusal is a 400 REQUEST.INVALID_TEXT.
 */
import { isUtf8 } from "node:buffer"
import type { IncomingHttpHeaders } from "node:http"
import type { NextFunction, Request, Response } from "express"
import { problem } from "./problems.js"
import type { Problem } from "./problems.js"
import { hasBadText } from "../../domain/text.js"

export { hasBadText }

export const INVALID_TEXT = "REQUEST.INVALID_TEXT"

const refusal = (where: string): Problem => problem(400, INVALID_TEXT, `the request ${where} contains a NUL character or is not valid UTF-8`)

const HEX = /^[0-9A-Fa-f]{2}$/

/** The URL as bytes with every %XX decoded: what the path and query will decode to. */
const urlIsClean = (url: string): boolean => {
  if (!url.includes("%") && !/[^\x20-\x7e]/.test(url)) return true
  const bytes: Array<number> = []
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i)
    if (c === 0x25 && HEX.test(url.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(url.slice(i + 1, i + 3), 16))
      i += 2
    } else if (c > 0xff) return false
    else bytes.push(c) // node hands raw non-ASCII URL bytes over one char per byte
  }
  return !bytes.includes(0) && isUtf8(Uint8Array.from(bytes))
}

/** Headers the API reads: visible ASCII only (node hands other bytes over as Latin-1 characters). */
const READ_HEADERS = ["authorization", "idempotency-key", "x-cart-token"] as const
const VISIBLE_ASCII = /^[\x20-\x7e]*$/

/** The error a body parser's `verify` throws for bytes that are not UTF-8 (recognised by the error handler). */
export class BodyNotUtf8 extends Error {
  readonly code = INVALID_TEXT
}

/** For express.json / express.text: the raw body must be UTF-8 before it is decoded (decoding would hide bad bytes as U+FFFD). */
export const verifyUtf8 = (_req: unknown, _res: unknown, buf: Buffer): void => {
  if (!isUtf8(buf)) throw new BodyNotUtf8("the body is not valid UTF-8")
}

export const isBodyNotUtf8 = (err: unknown): boolean => typeof err === "object" && err !== null && (err as { code?: unknown }).code === INVALID_TEXT

export const bodyNotUtf8Problem = (): Problem => refusal("body")

/** How deep a parsed body may nest (objects and arrays): far past any endpoint's Schema. */
export const MAX_BODY_DEPTH = 64

/** Whether a parsed JSON value nests deeper than `limit`, without recursion. */
export const nestsDeeperThan = (value: unknown, limit: number): boolean => {
  const stack: Array<unknown> = [value]
  const depths: Array<number> = [1]
  while (stack.length > 0) {
    const v = stack.pop()
    const depth = depths.pop()!
    if (typeof v !== "object" || v === null) continue
    if (depth > limit) return true
    for (const item of Array.isArray(v) ? v : Object.values(v)) {
      stack.push(item)
      depths.push(depth + 1)
    }
  }
  return false
}

/**
 * What a parsed body is refused for, or undefined: NUL or bad text in a string (400
 * REQUEST.INVALID_TEXT), then nesting deeper than MAX_BODY_DEPTH (400 REQUEST.TOO_DEEP: a Schema
 * refusing a value ~10,000 levels deep could not format its own error, a 500).
 */
export const bodyRefusal = (body: unknown): Problem | undefined => {
  if (hasBadText(body)) return refusal("body")
  if (nestsDeeperThan(body, MAX_BODY_DEPTH)) return problem(400, "REQUEST.TOO_DEEP", `the body nests deeper than ${MAX_BODY_DEPTH} levels`)
  return undefined
}

/** What refuseBadUrlAndHeaders refuses, or undefined: the URL, then the headers the API reads. */
export const badUrlOrHeaders = (url: string, headers: IncomingHttpHeaders): Problem | undefined => {
  if (!urlIsClean(url)) return refusal("URL")
  for (const name of READ_HEADERS) {
    const v = headers[name]
    if (typeof v === "string" && !VISIBLE_ASCII.test(v)) return refusal(`header ${name}`)
  }
  return undefined
}

/** App-level, before any route: the URL and the headers the API reads. */
export const refuseBadUrlAndHeaders =
  (send: (res: Response, p: Problem) => void) =>
  (req: Request, res: Response, next: NextFunction): void => {
    const refused = badUrlOrHeaders(req.url, req.headers)
    if (refused !== undefined) return send(res, refused)
    next()
  }

/** After a body parser: every string in the parsed body, and its depth (bodyRefusal). */
export const refuseBadBody =
  (send: (res: Response, p: Problem) => void) =>
  (req: Request, res: Response, next: NextFunction): void => {
    const refused = bodyRefusal(req.body)
    if (refused !== undefined) return send(res, refused)
    next()
  }
