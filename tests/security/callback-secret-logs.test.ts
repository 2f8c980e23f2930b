/**
 * MPESA_CALLBACK_SECRET is the path segment of the URLs Safaricom posts to (the STK callback, the B2C
 * results), and each B2C URL carries a per-request token after it. They are secrets, and log lines
 * never carry a secret (docs/security.md): the request's log line names the path, so the path's secret
 * and token must be masked there, and wherever else a logger writes such a URL (a Daraja request's
 * CallBackURL in an error, say).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { redact } from "../../adapters/system/logging.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, startApi } from "../api/support.js"
import type { Api } from "../api/support.js"

const SECRET = "cb-secret-9f2c41d7a8e5b3c6d0f1a2b3c4d5e6f7"
const TOKEN = "tok-5e6f7a8b9c0d1e2f"
const db = useTestDatabase()
let api: Api
let saved: string | undefined

beforeAll(async () => {
  saved = process.env["MPESA_CALLBACK_SECRET"]
  process.env["MPESA_CALLBACK_SECRET"] = SECRET
  api = await startApi(db.sql)
})
afterAll(async () => {
  await api.close()
  if (saved === undefined) delete process.env["MPESA_CALLBACK_SECRET"]
  else process.env["MPESA_CALLBACK_SECRET"] = saved
})

describe("the callback secret and the B2C token in logs", () => {
  it("the request log lines of Daraja's callbacks (STK, B2C result) do not carry them", async () => {
    const lines: Array<string> = []
    const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)))
    try {
      const stk = await call(api, "POST", `/api/v1/payments/mpesa/callback/${SECRET}`, { body: { Body: { stkCallback: { CheckoutRequestID: "ws_CO_x" } } } })
      expect(stk.status).toBe(200)
      const b2c = await call(api, "POST", `/api/v1/payments/mpesa/b2c/result/${SECRET}/${TOKEN}`, { body: { Result: { ResultCode: 0 } } })
      expect(b2c.status).toBe(200)
      await new Promise((r) => setTimeout(r, 100))
    } finally {
      spy.mockRestore()
    }
    const http = lines.filter((l) => l.includes('"msg":"http"'))
    expect(http.length).toBeGreaterThanOrEqual(2)
    for (const line of lines) {
      expect(line).not.toContain(SECRET)
      expect(line).not.toContain(TOKEN)
    }
  })

  it("a callback URL anywhere in a line is masked, the rest of the line kept", () => {
    const line = redact(
      `{"CallBackURL":"https://amana.example/api/v1/payments/mpesa/callback/${SECRET}","ResultURL":"https://amana.example/api/v1/payments/mpesa/b2c/status/result/${SECRET}/${TOKEN}?x=1","path":"/api/v1/payments/mpesa/b2c/timeout/${SECRET}"}`
    )
    expect(line).not.toContain(SECRET)
    expect(line).not.toContain(TOKEN)
    // a route pattern names no secret
    expect(redact('"route":"/api/v1/payments/mpesa/b2c/result/:secret/:token"')).toBe('"route":"/api/v1/payments/mpesa/b2c/result/:secret/:token"')
    expect(JSON.parse(line)).toEqual({
      CallBackURL: "https://amana.example/api/v1/payments/mpesa/callback/[redacted]",
      ResultURL: "https://amana.example/api/v1/payments/mpesa/b2c/status/result/[redacted]/[redacted]?x=1",
      path: "/api/v1/payments/mpesa/b2c/timeout/[redacted]"
    })
  })
})
