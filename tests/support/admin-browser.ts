/**
 * A back-office client as a browser is one, over plain fetch: it keeps its cookies, reads the CSRF
 * token of the last page it loaded, and sends changes with our Origin and that token (the login form
 * with `_csrf`). Used by the back-office HTTP tests and by tests that work the back-office as FINANCE.
 */
import { expect } from "vitest"

/** One browser's view of the back-office: its cookies and the token of the last page it loaded. */
export class AdminBrowser {
  cookies = new Map<string, string>()
  token = ""
  constructor(readonly base: string) {}
  get cookie() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ")
  }
  keep(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";")
      const eq = pair!.indexOf("=")
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1))
    }
  }
  async page(path: string) {
    const res = await fetch(`${this.base}${path}`, { headers: { cookie: this.cookie }, redirect: "manual" })
    this.keep(res)
    const html = await res.text()
    const token = /<meta name="amana-csrf" content="([^"]+)">/.exec(html)?.[1]
    if (token) this.token = token
    return { res, html }
  }
  async send(
    method: string,
    path: string,
    options: { form?: Record<string, string>; json?: unknown; headers?: Record<string, string>; token?: string | null } = {}
  ) {
    const body = options.form ? new URLSearchParams(options.form).toString() : options.json !== undefined ? JSON.stringify(options.json) : undefined
    const headers: Record<string, string> = {
      cookie: this.cookie,
      origin: this.base,
      ...(options.form && { "content-type": "application/x-www-form-urlencoded" }),
      ...(options.json !== undefined && { "content-type": "application/json" }),
      ...(options.token !== null && !options.form && { "x-csrf-token": options.token ?? this.token }),
      ...options.headers
    }
    // a header given as "" is one this browser does not send
    for (const [k, v] of Object.entries(headers)) if (v === "") delete headers[k]
    const res = await fetch(`${this.base}${path}`, { method, redirect: "manual", headers, ...(body !== undefined && { body }) })
    this.keep(res)
    const text = await res.text()
    let json: any // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read JSON freely
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: res.status, headers: res.headers, text, json }
  }
  async login(who: { email: string; password: string }) {
    await this.page("/admin/login")
    const r = await this.send("POST", "/admin/login", { form: { email: who.email, password: who.password, _csrf: this.token } })
    expect(r.status, r.text.slice(0, 300)).toBe(302)
    await this.page("/admin")
    return this
  }
}
