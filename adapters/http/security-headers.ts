/**
 * Security headers on every response (issue 11 item 6), in the spirit of helmet's defaults, written
 * out so each one is visible and tested (tests/security/backoffice-http.test.ts):
 *
 * - the API answers JSON: a CSP that allows nothing (`default-src 'none'`), so a response that is
 *   somehow rendered as a page can run nothing and be framed by no one;
 * - /api/docs is a page that loads Scalar's reference from its CDN: its own CSP allows just that;
 * - /admin replaces the CSP with a per-response nonce policy (backoffice/html.ts) and the
 *   Referrer-Policy with `same-origin` (with `no-referrer` a browser sends `Origin: null` on the
 *   back-office's own POSTs, and the Origin check would refuse them).
 */
import type { RequestHandler } from "express"

export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
export const DOCS_CSP =
  "default-src 'self'; script-src 'self' https://cdn.jsdelivr.net; style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; " +
  "font-src 'self' data: https://cdn.jsdelivr.net https://fonts.scalar.com; img-src 'self' data: https:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/** The headers every answer but /api/docs's carries, in the order they are set. */
export const apiSecurityHeaders = (options: { readonly production: boolean }): ReadonlyArray<readonly [string, string]> => [
  ["Content-Security-Policy", API_CSP],
  ["X-Content-Type-Options", "nosniff"],
  ["X-Frame-Options", "DENY"],
  ["Referrer-Policy", "no-referrer"],
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Cross-Origin-Resource-Policy", "same-origin"],
  ["Origin-Agent-Cluster", "?1"],
  ["X-DNS-Prefetch-Control", "off"],
  ["X-Permitted-Cross-Domain-Policies", "none"],
  ["Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"],
  // Only where the platform is served over TLS (behind the proxy in production); never on a developer's http.
  ...(options.production ? [["Strict-Transport-Security", "max-age=31536000; includeSubDomains"] as const] : [])
]

export const securityHeaders = (options: { readonly production: boolean }): RequestHandler => {
  const headers = apiSecurityHeaders(options)
  return (req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, name === "Content-Security-Policy" && req.path === "/api/docs" ? DOCS_CSP : value)
    next()
  }
}
