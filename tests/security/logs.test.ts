/**
 * Issue 11 item 10: routine "the STK query is still pending" retries are not ERROR lines, and no
 * log line carries a phone number or an identifier embedding one (Daraja's CheckoutRequestID ends
 * with the payer's phone), whichever logger wrote it: ours, Effect's or graphile-worker's.
 */
import { Effect } from "effect"
import { HttpClientError, HttpClientRequest } from "@effect/platform"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { PaymentStillPending } from "../../application/payments/payment.errors.js"
import { Outbox } from "../../application/ports/outbox.js"
import { UnitOfWork } from "../../application/ports/unit-of-work.js"
import { makePlatformRuntime } from "../../composition/platform.js"
import type { PlatformRuntime, PlatformServices } from "../../composition/platform.js"
import { log, redact } from "../../adapters/system/logging.js"
import { startWorker } from "../../adapters/postgres/worker.js"
import type { RunningWorker } from "../../adapters/postgres/worker.js"
import { useTestDatabase } from "../support/test-database.js"

const PHONE = "254712345678"
// Daraja's format: ws_CO_ + DDMMYYYYHHMMSS + milliseconds + the payer's phone
const CHECKOUT_REQUEST_ID = `ws_CO_27112026180712345${PHONE}`

describe("redaction", () => {
  it("masks Kenyan phone numbers in every written form and CheckoutRequestIDs; leaves other numbers alone", () => {
    for (const phone of [PHONE, `+${PHONE}`, "0712345678", "0112345678", "254112345678"]) expect(redact(`to ${phone}.`)).toBe("to [phone].")
    expect(redact(`"checkoutRequestId":"${CHECKOUT_REQUEST_ID}"`)).toBe('"checkoutRequestId":"ws_CO_[redacted]"')
    const untouched = `at 1764266832123 amount 150000000 id ord_01m8f28k8ad2ca3crs86jhqjpt code 123456 ${"9".repeat(14)}`
    expect(redact(untouched)).toBe(untouched)
  })

  it("masks credentials: Authorization values and secret JSON fields, as an HttpClient error's JSON carries them", () => {
    const request = HttpClientRequest.post("https://api.safaricom.co.ke/mpesa/stkpush/v1/processrequest").pipe(
      HttpClientRequest.bearerToken("tok.EAAGm0PX4ZCps"),
      HttpClientRequest.setHeader("x-basic", "Basic Y29uc3VtZXI6c2VjcmV0")
    )
    const line = redact(JSON.stringify({ error: new HttpClientError.RequestError({ request, reason: "Transport" }) }))
    expect(line).toContain("Bearer [redacted]")
    expect(line).not.toContain("EAAGm0PX4ZCps")
    expect(line).not.toContain("Y29uc3VtZXI6c2VjcmV0")
    const body = redact(
      '{"access_token":"c9SQxWWhmdVRlyh0zh8gZDTkubVF","expires_in":"3599","Password":"MTc0Mzc5Ym\\"Zi","SecurityCredential":"Eh1Kq==","Amount":1500}'
    )
    expect(JSON.parse(body)).toEqual({ access_token: "[redacted]", expires_in: "3599", Password: "[redacted]", SecurityCredential: "[redacted]", Amount: 1500 })
    expect(redact("a bearer of good news, basic needs")).toBe("a bearer of good news, basic needs")
  })

  it("our log line is redacted, fields included; debug lines are dropped unless LOG_LEVEL=debug", () => {
    const lines: Array<string> = []
    const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)))
    try {
      log("info", `sent to ${PHONE}`, { phone: `+${PHONE}`, checkoutRequestId: CHECKOUT_REQUEST_ID })
      log("debug", "quiet")
    } finally {
      spy.mockRestore()
    }
    expect(lines).toHaveLength(1)
    expect(lines[0]).not.toContain("712345678")
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "info", msg: "sent to [phone]", phone: "[phone]", checkoutRequestId: "ws_CO_[redacted]" })
  })
})

describe("the worker's logs", () => {
  const db = useTestDatabase()
  let runtime: PlatformRuntime
  let worker: RunningWorker | undefined
  const lines: Array<string> = []

  beforeAll(() => {
    runtime = makePlatformRuntime(db.sql)
    for (const stream of ["log", "info", "warn", "error", "debug"] as const)
      vi.spyOn(console, stream).mockImplementation((...args: Array<unknown>) => void lines.push(args.map(String).join(" ")))
  })
  afterAll(async () => {
    await worker?.stop()
    await runtime?.dispose()
    vi.restoreAllMocks()
  })

  it("a push still pending is retried without an ERROR line; a real failure is an ERROR; neither shows the phone", async () => {
    worker = await startWorker<PlatformServices>({
      connectionString: db.url,
      runtime,
      pollInterval: 100,
      heartbeatMs: 60_000,
      handlers: [
        {
          name: "test.poll",
          on: ["TEST_PENDING"],
          handle: () => Effect.fail(new PaymentStillPending({ checkoutRequestId: CHECKOUT_REQUEST_ID, detail: "4999 still under processing" }))
        },
        {
          name: "test.broken",
          on: ["TEST_BROKEN"],
          handle: () => Effect.logWarning(`calling ${PHONE}`).pipe(Effect.zipRight(Effect.fail(new Error(`could not reach ${PHONE}`))))
        }
      ]
    })
    await runtime.runPromise(
      Effect.flatMap(UnitOfWork, (uow) =>
        uow.transaction(
          Effect.flatMap(Outbox, (o) =>
            o.append([
              { type: "TEST_PENDING", aggregateType: "ORDER", aggregateId: "ord-log-1", payload: {} },
              { type: "TEST_BROKEN", aggregateType: "ORDER", aggregateId: "ord-log-2", payload: {} }
            ])
          )
        )
      )
    )
    const deadline = Date.now() + 20_000
    while (Date.now() < deadline) {
      const [row] = await db.sql<
        Array<{ n: number }>
      >`select count(*)::int as n from outbox where event_type in ('TEST_PENDING', 'TEST_BROKEN') and attempts >= 1`
      if (row!.n === 2 && lines.some((l) => l.includes("could not reach"))) break
      await new Promise((r) => setTimeout(r, 100))
    }
    const pendingLines = lines.filter((l) => l.includes("still under processing") || l.includes("has not finished"))
    expect(pendingLines.filter((l) => /"level":"(error|warn)"|level=ERROR/i.test(l))).toEqual([])
    const broken = lines.filter((l) => l.includes("could not reach"))
    expect(broken.length).toBeGreaterThan(0)
    expect(broken.some((l) => l.includes('"level":"error"'))).toBe(true)
    expect(lines.some((l) => l.includes("calling [phone]"))).toBe(true)
    expect(lines.filter((l) => l.includes("712345678") || l.includes(CHECKOUT_REQUEST_ID))).toEqual([])
  })
})
