/**
 * Cross-site request forgery, refused twice on every request that may change something in the
 * back-office (any method but GET, HEAD and OPTIONS, the login form included, and the GET logout):
 *
 * 1. Origin check. A browser names the page a request comes from: Origin (sent with every POST),
 *    else Sec-Fetch-Site, else Referer. Any of them naming another site (or `Origin: null`) is a
 *    403 `ADMIN.CROSS_SITE`. A request with none of them comes from no browser page.
 * 2. A token (synchronizer, signed). Each browser holds a random httpOnly cookie; the token is
 *    HMAC(key, cookie | session id once logged in), with a key derived from ADMIN_SESSION_SECRET. The
 *    token is written into every back-office page (html.ts), and the page sends it back in the
 *    X-CSRF-Token header on its XHR calls and in a `_csrf` field on a form post (the login form).
 *    A forged request can carry the cookies but not the token: 403 `ADMIN.CSRF_TOKEN`.
 *    Bound to the session id once logged in, so a token seen before the login (or planted with a
 *    tossed cookie) is worth nothing after it.
 *
 * SameSite=Strict on the session cookie stays as a third barrier.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import type { NextFunction, Request, RequestHandler, Response } from "express"
import formidableMiddleware from "express-formidable"
import { Redacted } from "effect"
import { adminRoute, isStateChanging } from "./gate.js"
import type { Refuse } from "./gate.js"

export const CSRF_HEADER = "x-csrf-token"
export const CSRF_FIELD = "_csrf"
/** `__Host-` (https only: Secure, Path=/, no Domain) so a sibling subdomain cannot plant it. */
export const csrfCookieName = (production: boolean) => (production ? "__Host-amana_admin_csrf" : "amana_admin_csrf")
const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/

export interface CsrfOptions {
  readonly production: boolean
  readonly secret: Redacted.Redacted<string>
  /** origins the back-office is served on besides the request's own (PUBLIC_BASE_URL's) */
  readonly publicOrigins: ReadonlyArray<string>
  /** the same limits the AdminJS router's form parser has */
  readonly formOptions: Readonly<Record<string, unknown>>
  readonly refuse: Refuse
}

const readCookie = (req: Request, name: string): string | undefined => {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=")
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

const loggedInSession = (req: Request): string => {
  const session = req.session as unknown as { adminUser?: unknown } | undefined
  return session?.adminUser ? req.sessionID : ""
}

const originOf = (url: string): string | undefined => {
  try {
    const u = new URL(url)
    return u.protocol === "http:" || u.protocol === "https:" ? u.origin : undefined
  } catch {
    return undefined
  }
}

/** Whether the browser signals say the request comes from one of our own pages (or from no page at all). */
export const sameOrigin = (req: Request, publicOrigins: ReadonlyArray<string>): boolean => {
  const own = new Set([`${req.protocol}://${req.get("host") ?? ""}`, ...publicOrigins])
  const origin = req.headers["origin"]
  if (typeof origin === "string") return own.has(origin)
  const site = req.headers["sec-fetch-site"]
  if (typeof site === "string") return site === "same-origin" || site === "none"
  const referer = req.headers["referer"]
  if (typeof referer === "string") {
    const o = originOf(referer)
    return o !== undefined && own.has(o)
  }
  return true
}

export interface Csrf {
  /** the guard, mounted on /admin after the session */
  readonly guard: RequestHandler
  /** the token for this request's page (sets the cookie when the browser has none yet) */
  readonly tokenFor: (req: Request, res: Response) => string
}

export const makeCsrf = (options: CsrfOptions): Csrf => {
  const key = createHmac("sha256", Redacted.value(options.secret)).update("amana back-office csrf v1").digest()
  const cookieName = csrfCookieName(options.production)
  const sign = (cookie: string, session: string) => createHmac("sha256", key).update(`${cookie}|${session}`).digest("base64url")
  const parseForm = formidableMiddleware(options.formOptions)

  const browserId = (req: Request, res: Response): string => {
    const existing = (res.locals["csrfCookie"] as string | undefined) ?? readCookie(req, cookieName)
    if (existing !== undefined && COOKIE_VALUE.test(existing)) return existing
    const fresh = randomBytes(32).toString("base64url")
    res.locals["csrfCookie"] = fresh
    res.append(
      "Set-Cookie",
      `${cookieName}=${fresh}; Path=${options.production ? "/" : "/admin"}; HttpOnly; SameSite=Strict${options.production ? "; Secure" : ""}`
    )
    return fresh
  }
  const tokenFor = (req: Request, res: Response) => sign(browserId(req, res), loggedInSession(req))

  const tokenMatches = (req: Request, given: unknown): boolean => {
    const cookie = readCookie(req, cookieName)
    if (typeof given !== "string" || cookie === undefined || !COOKIE_VALUE.test(cookie)) return false
    const expected = Buffer.from(sign(cookie, loggedInSession(req)))
    const actual = Buffer.from(given)
    return actual.length === expected.length && timingSafeEqual(actual, expected)
  }

  const guard = (req: Request, res: Response, next: NextFunction): void => {
    const logout = adminRoute(req.path)?._tag === "Logout"
    if (!isStateChanging(req.method) && !logout) return next()
    if (!sameOrigin(req, options.publicOrigins)) return options.refuse(res, 403, "ADMIN.CROSS_SITE", "a back-office change must come from a back-office page")
    if (!isStateChanging(req.method)) return next()
    const header = req.headers[CSRF_HEADER]
    if (header !== undefined) {
      if (tokenMatches(req, header)) return next()
      return options.refuse(res, 403, "ADMIN.CSRF_TOKEN", "the page's security token is missing or stale: reload the page and try again")
    }
    // A form post (the login page): its token is a field, so read the form now (the router's parser then steps aside).
    parseForm(req, res, (err?: unknown) => {
      if (err) return options.refuse(res, 400, "REQUEST.UNREADABLE", "the form could not be read")
      const fields = (req as unknown as { fields?: Record<string, unknown> }).fields
      if (tokenMatches(req, fields?.[CSRF_FIELD])) return next()
      options.refuse(res, 403, "ADMIN.CSRF_TOKEN", "the page's security token is missing or stale: reload the page and try again")
    })
  }
  return { guard, tokenFor }
}
