/**
 * The pages AdminJS renders (the app shell and the login page) leave here with:
 * - a Content-Security-Policy whose scripts are only ours: AdminJS's inline bootstrap scripts get a
 *   nonce made for this response, any other inline script (or `eval`) is refused; styles may be
 *   inline (styled-components writes them at run time); images may come from https (product
 *   photos are sellers' URLs); nothing may frame the page;
 * - the CSRF token (csrf.ts) in a <meta> and a small script, run before AdminJS's own, that adds it
 *   to the page's same-origin XHR and fetch calls that change something (X-CSRF-Token) and to a
 *   posted form (`_csrf`, the login form);
 * - no Google Fonts stylesheet: the back-office works offline and tells no third party who opens it.
 *
 * The back-office's other answers (JSON, bundles) keep the API's headers (adapters/http/security-headers.ts).
 */
import { randomBytes } from "node:crypto"
import type { NextFunction, Request, Response } from "express"
import { CSRF_FIELD, CSRF_HEADER } from "./csrf.js"

export const adminCsp = (nonce: string) =>
  [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: https:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'"
  ].join("; ")

/** Runs first in the page: the token rides on every same-origin request that may change something. */
const tokenScript = (token: string) => `(function () {
  var token = ${JSON.stringify(token)};
  var safe = /^(GET|HEAD|OPTIONS)$/i;
  var ours = function (url) { try { return new URL(url, location.href).origin === location.origin; } catch (e) { return false; } };
  var open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url) { this.__amanaCsrf = !safe.test(String(method)) && ours(String(url)); return open.apply(this, arguments); };
  XMLHttpRequest.prototype.send = function () { if (this.__amanaCsrf) this.setRequestHeader(${JSON.stringify(CSRF_HEADER)}, token); return send.apply(this, arguments); };
  var fetch0 = window.fetch;
  if (fetch0) window.fetch = function (input, init) {
    var request = new Request(input, init);
    if (!safe.test(request.method) && ours(request.url)) request.headers.set(${JSON.stringify(CSRF_HEADER)}, token);
    return fetch0.call(window, request);
  };
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || String(form.method).toLowerCase() !== "post" || !ours(form.action)) return;
    var field = form.querySelector('input[name="${CSRF_FIELD}"]');
    if (!field) { field = document.createElement("input"); field.type = "hidden"; field.name = "${CSRF_FIELD}"; form.appendChild(field); }
    field.value = token;
  }, true);
})();`

const GOOGLE_FONTS = /<link[^>]*href="https:\/\/fonts\.googleapis\.com[^"]*"[^>]*>/g

/**
 * AdminJS writes its state into inline scripts as `window.X = <JSON>;` lines, unescaped: text in it
 * (an admin's email, say) holding `</script><script>` would end the script and start one that the
 * nonce below would bless. So first, on each such line (JSON has no raw newline), `<` becomes
 * `\u003c`: the same value to JavaScript, no tag to HTML.
 */
const STATE_LINE = /^([ \t]*window\.[A-Za-z_$][A-Za-z0-9_$]* = )([^\n]*)(?=\n)/gm

/** Adds the nonce to every <script> of AdminJS's template, drops Google Fonts, and puts the token first in <head>. */
export const rewritePage = (html: string, nonce: string, token: string): string =>
  html
    .replace(STATE_LINE, (_all, head: string, value: string) => `${head}${value.replaceAll("<", "\\u003c")}`)
    .replace(GOOGLE_FONTS, "")
    .replace(/<script(?=[\s>])/g, () => `<script nonce="${nonce}"`)
    .replace(/<head>/i, () => `<head>\n<meta name="amana-csrf" content="${token}">\n<script nonce="${nonce}">${tokenScript(token)}</script>`)

const isPage = (body: unknown) => typeof body === "string" && /^\s*<!DOCTYPE html>/i.test(body)

/** Wraps res.send for /admin: AdminJS sends its pages as one string. */
export const adminPages =
  (tokenFor: (req: Request, res: Response) => string) =>
  (req: Request, res: Response, next: NextFunction): void => {
    const send = res.send.bind(res)
    res.send = (body?: unknown) => {
      if (!isPage(body)) return send(body)
      const nonce = randomBytes(18).toString("base64")
      res.setHeader("Content-Security-Policy", adminCsp(nonce))
      res.setHeader("Referrer-Policy", "same-origin")
      res.setHeader("Cache-Control", "no-store")
      return send(rewritePage(body as string, nonce, tokenFor(req, res)))
    }
    next()
  }
