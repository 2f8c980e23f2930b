/**
 * The back-office in a real browser against the real server (makeApp with /admin mounted) and a
 * real database: reviewers verify, admins run promotions, finance resolves exceptions, auditors
 * read and are refused on the server when they try to write.
 */
import type { AdminUserId } from "../../domain/ids.js"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { OrderId } from "../../domain/ids.js"
import { LocationId, UserId, VariantId } from "../../domain/ids.js"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import type { Browser } from "playwright-core"
import { createAdminUser } from "../../application/admin/admin-accounts.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import { placeCheckout } from "../../application/checkout/place-checkout.js"
import { transitionOrder } from "../../application/orders/transition-order.js"
import { insertProduct, insertUser, insertVariant, seedDemo } from "../../adapters/postgres/seed.js"
import { ensureFirstAdmin } from "../../backoffice/first-admin.js"
import { LOGIN_WELCOME } from "../../backoffice/mount.js"
import { call, sessionFor, startApi } from "../api/support.js"
import type { Api } from "../api/support.js"
import { useTestDatabase } from "../support/test-database.js"
import { jpegWithExif, tinyPdf } from "../support/upload-files.js"
import { ARTIFACTS, cspViolations, launch, login, noBrowserReason, offlineContext, pageHeaders, screenshot } from "./browser.js"
import { dispatchEvent } from "../../adapters/postgres/worker.js"
import { INSIGHT_EVENTS } from "../../application/insights/read-models.js"
import { handlers, READ_MODELS_HANDLER } from "../../composition/event-handlers.js"

const db = useTestDatabase()
const ADMIN = { email: "wanjiku@amana.test", password: "kitenge-and-chai-2026" }
const AUDITOR = { email: "otieno@audit.test", password: "read-only-but-sharp" }
// logins are limited to 5 per email per 15 minutes: a second platform admin for the cross-site test
const SECOND_ADMIN = { email: "achieng@amana.test", password: "second-admin-password-2026" }
const SETTINGS_ADMIN = { email: "kamau@amana.test", password: "zones-and-riders-2026" }

let api: Api
let browser: Browser
let orderId: OrderId
let exceptionId: string
let uploadsDir = ""
/** An element as seen from evaluateAll (this suite's tsconfig has no DOM types). */
type Attributed = { getAttribute(name: string): string | null }
const readModelsHandler = handlers.filter((h) => h.name === READ_MODELS_HANDLER)

/** 13 days of Kitenge House's trade before today, oldest first: orders paid and failed (KES 2,500 each), deadlines met and missed, exceptions. */
const FORTNIGHT = Array.from({ length: 13 }, (_, i) => ({
  paid: [6, 8, 7, 9, 12, 10, 7, 11, 13, 9, 8, 12, 14][i]!,
  failed: [1, 2, 1, 0, 3, 2, 1, 2, 5, 6, 4, 2, 1][i]!,
  met: [5, 6, 6, 8, 9, 8, 6, 9, 10, 7, 7, 11, 12][i]!,
  breached: [1, 0, 1, 1, 2, 0, 1, 1, 3, 2, 1, 0, 1][i]!,
  opened: [1, 0, 2, 1, 0, 3, 1, 0, 2, 4, 1, 0, 1][i]!,
  closed: [0, 1, 1, 2, 1, 1, 2, 1, 1, 2, 3, 1, 0][i]!
}))
const pastFortnight = async () => {
  const rows: Array<{ event_type: string; aggregate_type: string; aggregate_id: string; payload: Record<string, unknown> }> = []
  const storeId = "sto_kitenge_house"
  const mpesa = { kind: "SYSTEM", id: "mpesa-reconciler" }
  FORTNIGHT.forEach((d, i) => {
    const at = Date.now() - (13 - i) * 86_400_000
    const order = (kind: string, k: number) => `ord_past_${i}_${kind}_${k}`
    for (let k = 0; k < d.paid; k++)
      rows.push({
        event_type: "ORDER_PAID",
        aggregate_type: "ORDER",
        aggregate_id: order("paid", k),
        payload: {
          orderId: order("paid", k),
          checkoutId: `chk_past_${i}_${k}`,
          storeId,
          at: at + k * 60_000,
          actor: mpesa,
          total: { amount: 2_500_00, currency: "KES" },
          charged: { amount: 2_500_00, currency: "KES" },
          checkedOutAt: at + k * 60_000 - (90 + 15 * k) * 1_000,
          zoneId: "zone_nairobi",
          lines: [{ productId: "prd_kitenge_dress", quantity: 1, amount: 2_250_00 }]
        }
      })
    for (let k = 0; k < d.failed; k++)
      rows.push({
        event_type: "ORDER_PAYMENT_FAILED",
        aggregate_type: "ORDER",
        aggregate_id: order("failed", k),
        payload: { orderId: order("failed", k), storeId, at, actor: mpesa }
      })
    for (let k = 0; k < d.met; k++)
      rows.push({
        event_type: "ORDER_DISPATCHED",
        aggregate_type: "ORDER",
        aggregate_id: order("paid", k),
        payload: { orderId: order("paid", k), storeId, at, slaMet: 1 }
      })
    for (let k = 0; k < d.breached; k++)
      rows.push({
        event_type: "ORDER_SLA_BREACHED",
        aggregate_type: "ORDER",
        aggregate_id: order("late", k),
        payload: { orderId: order("late", k), storeId, at }
      })
    for (let k = 0; k < d.opened; k++)
      rows.push({
        event_type: "EXCEPTION_OPENED",
        aggregate_type: "EXCEPTION",
        aggregate_id: `exc_${i}_${k}`,
        payload: { exceptionId: `exc_${i}_${k}`, storeId: null, at }
      })
    for (let k = 0; k < d.closed; k++)
      rows.push({
        event_type: "EXCEPTION_RESOLVED",
        aggregate_type: "EXCEPTION",
        aggregate_id: `exc_old_${i}_${k}`,
        payload: { exceptionId: `exc_old_${i}_${k}`, storeId: null, at }
      })
  })
  await db.sql`insert into outbox ${db.sql(rows.map((r) => ({ ...r, payload: db.sql.json(r.payload as never) })) as never, "event_type", "aggregate_type", "aggregate_id", "payload")}`
}

// A real browser on a shared 2-core machine: a test's page loads can take more than the default 30 s under load.
describe.skipIf(noBrowserReason !== undefined)(
  noBrowserReason ? `back-office in a browser (skipped: ${noBrowserReason})` : "back-office in a browser",
  { timeout: 120_000 },
  () => {
    beforeAll(async () => {
      await seedDemo(db.sql)
      await insertProduct(db.sql, {
        id: "prd_beaded_necklace",
        storeId: "sto_kitenge_house",
        title: "Maasai beaded necklace",
        description: "Hand-beaded collar necklace in red, blue and white",
        price: 900_00,
        state: "PENDING_REVIEW",
        media: ["https://images.amana.example/prd_beaded_necklace.jpg"]
      })
      await insertVariant(db.sql, {
        id: "prd_beaded_necklace_v1",
        productId: "prd_beaded_necklace",
        sku: "BEAD-NECK-1",
        weightGrams: 150,
        storeId: "sto_kitenge_house",
        onHand: 12
      })
      uploadsDir = await mkdtemp(join(tmpdir(), "amana-bo-uploads-"))
      process.env["UPLOADS_DIR"] = uploadsDir
      api = await startApi(db.sql)
      await ensureFirstAdmin(api.runtime, { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password }, () => undefined)
      const [first] = await db.sql<Array<{ id: AdminUserId }>>`select id from admin_users where email = ${ADMIN.email}`
      const platformAdmin: AdminActor = { id: first!.id, email: ADMIN.email, role: "PLATFORM_ADMIN" }
      await api.runtime.runPromise(createAdminUser(platformAdmin, { ...AUDITOR, role: "AUDITOR" }))
      await api.runtime.runPromise(createAdminUser(platformAdmin, { ...SECOND_ADMIN, role: "PLATFORM_ADMIN" }))

      // A paid order with its M-Pesa trail, and an exception raised about it.
      const checkout = await api.runtime.runPromise(
        placeCheckout({
          buyerId: UserId.make("usr_demo_buyer"),
          idempotencyKey: "bo-browser-1",
          items: [
            { variantId: VariantId.make("prd_kitenge_dress_v1"), quantity: 2 },
            { variantId: VariantId.make("prd_sisal_basket_v1"), quantity: 1 }
          ],
          destination: LocationId.make("KE-047"),
          payerPhone: "254708374149"
        })
      )
      orderId = checkout.orders[0]!.orderId
      await db.sql`insert into mpesa_stk_requests (checkout_id, phone, amount, merchant_request_id, checkout_request_id, status, result_code, result_desc, mpesa_receipt_number, completed_at)
      values (${checkout.checkoutId}, '254708374149', ${checkout.charge.amount}, '29115-34620561-1', 'ws_CO_191220191020363925', 'PAID', 0, 'The service request is processed successfully.', 'NLJ7RT61SV', now())`
      await db.sql`insert into mpesa_callbacks (kind, checkout_request_id, raw, processed_at, outcome)
      values ('STK', 'ws_CO_191220191020363925', ${db.sql.json({
        Body: {
          stkCallback: {
            MerchantRequestID: "29115-34620561-1",
            CheckoutRequestID: "ws_CO_191220191020363925",
            ResultCode: 0,
            ResultDesc: "The service request is processed successfully.",
            CallbackMetadata: {
              Item: [
                { Name: "Amount", Value: checkout.charge.amount / 100 },
                { Name: "MpesaReceiptNumber", Value: "NLJ7RT61SV" },
                { Name: "PhoneNumber", Value: 254708374149 }
              ]
            }
          }
        }
      } as never)}, now(), 'PAID')`
      await api.runtime.runPromise(
        transitionOrder({ orderId, to: "PAID", actor: { kind: "SYSTEM", id: "mpesa-callback" } as never, reason: "M-Pesa NLJ7RT61SV" })
      )
      const [x] = await db.sql<Array<{ id: string }>>`insert into exceptions (kind, entity, entity_id, payload)
      values ('PAYMENT_PHONE_MISMATCH', 'order', ${orderId}, ${db.sql.json({ expectedPhone: "254708374149", paidPhone: "254722000003", receipt: "NLJ7RT61SV" } as never)}) returning id`
      exceptionId = x!.id
      browser = await launch()
    }, 120_000)

    // Every page ran under the back-office's CSP (a nonce for AdminJS's scripts, nothing inline else) and nothing was refused.
    afterEach(() => {
      expect(cspViolations.splice(0)).toEqual([])
    })

    afterAll(async () => {
      await browser?.close()
      await api?.close()
      delete process.env["UPLOADS_DIR"]
      if (uploadsDir !== "") await rm(uploadsDir, { recursive: true, force: true })
    })

    it("a seller's KYC review shows their documents through the admin session, and verifying it from the page marks the store VERIFIED", async () => {
      // the seller side, over the API: open a store, upload an ID photo and a permit, submit KYC
      await insertUser(db.sql, { id: "usr_bo_kyc", phone: "254722000123" })
      await db.sql`insert into categories (id, name, slug) values ('cat_bo_kyc', 'Beads', 'beads-bo') on conflict do nothing`
      const token = await sessionFor(db.sql, "usr_bo_kyc")
      const opened = await call(api, "POST", "/api/v1/seller/stores", {
        token,
        body: { name: "Shanga Beads", slug: "shanga-beads", mainCategoryId: "cat_bo_kyc", locationId: "KE-047-westlands", contactPhone: "0722000123" }
      })
      const storeId: string = opened.body.id
      const up = (bytes: Uint8Array, type: string) => call(api, "POST", "/api/v1/uploads", { token, raw: bytes, headers: { "content-type": type } })
      const photo: string = (await up(jpegWithExif(), "image/jpeg")).body.id
      const permit: string = (await up(tinyPdf(), "application/pdf")).body.id
      await call(api, "PUT", "/api/v1/seller/store/kyc", {
        token,
        body: { idType: "NATIONAL_ID", idNumber: "12345678", kraPin: "A123456789B", documentIds: [photo, permit] }
      })

      const context = await offlineContext(browser, api.url)
      const page = await context.newPage()
      await login(page, api.url, ADMIN.email, ADMIN.password)
      const thumbnail = page.waitForResponse((r) => r.url().endsWith(`/admin/uploads/${photo}`))
      await page.goto(`${api.url}/admin/resources/sellers/records/${storeId}/show`)
      await page.getByTestId("kyc-documents").waitFor()
      const served = await thumbnail
      expect([served.status(), served.headers()["content-type"]]).toEqual([200, "image/jpeg"])
      const links = await Promise.all((await page.getByTestId("kyc-document").all()).map((a) => a.getAttribute("href")))
      expect(links).toEqual([`/admin/uploads/${photo}`, `/admin/uploads/${permit}`])
      await screenshot(page, "backoffice-kyc-documents")
      await page.goto(`${api.url}/admin/resources/sellers/records/${storeId}/verify`)
      await page.fill("#field-reason", "ID and permit checked")
      await Promise.all([page.waitForURL(/\/records\/[^/]+\/show/), page.getByTestId("action-submit").click()])
      await context.close()
      const [store] = await db.sql`select kyc_state from stores where id = ${storeId}`
      expect(store).toEqual({ kyc_state: "VERIFIED" })
    })

    it("the login page is Amana's: its name and what the back-office is for, not AdminJS's advertisement", async () => {
      const context = await offlineContext(browser, api.url)
      const page = await context.newPage()
      await page.goto(`${api.url}/admin/login`)
      await page.locator("input[name=email]").waitFor()
      const text = await page.locator("body").innerText()
      expect(text).toContain(LOGIN_WELCOME.header)
      expect(text).toContain(LOGIN_WELCOME.message)
      expect(text).not.toMatch(/AdminJS|world's leading/i)
      await screenshot(page, "backoffice-login")
      await context.close()
    })

    it("an admin logs in and lands on a dashboard of what needs a human today, with the last 14 days charted from the read models", async () => {
      // Today: the order paid in beforeAll (its events are in the outbox). The 13 days before: a
      // fortnight of trade as the outbox holds it (orders paid and failed, deadlines, exceptions).
      await pastFortnight()
      const ids = await db.sql<Array<{ id: string }>>`select id from outbox where event_type = any(${INSIGHT_EVENTS as Array<string>}::text[]) order by seq`
      for (const { id } of ids) await api.runtime.runPromise(dispatchEvent(readModelsHandler, id, 1, 8))
      // GMV is what the buyer was charged for the order (its share of the M-Pesa charge)
      const [paid] = await db.sql<
        Array<{ charged: number }>
      >`select (snapshot->'totals'->'buyerPays'->>'amount')::bigint as charged from order_snapshots where order_id = ${orderId}`

      const context = await offlineContext(browser, api.url)
      const page = await context.newPage()
      await login(page, api.url, ADMIN.email, ADMIN.password)
      await page.getByTestId("amana-dashboard").waitFor()
      await expect(page.getByTestId("review-queue").innerText()).resolves.toContain("1 product (0 re-reviews)")
      await expect(page.getByTestId("open-exceptions").innerText()).resolves.toContain("1")
      await expect(page.getByTestId("orders-by-state").innerText()).resolves.toContain("PAID")

      // Four charts of 14 days each, with the figures the read models hold.
      await page.getByTestId("trends").waitFor()
      const values = (chart: string, series: string) =>
        page
          .locator(`[data-testid=${chart}] rect[data-series=${series}]`)
          .evaluateAll((rs) => rs.map((r) => Number((r as unknown as Attributed).getAttribute("data-value"))))
      const gmv = await values("chart-gmv", "gmv")
      expect(gmv).toHaveLength(14)
      expect(gmv.at(-1)).toBe(paid!.charged)
      expect(gmv.slice(0, 13)).toEqual(FORTNIGHT.map((d) => d.paid * 2_500_00))
      const heights = await page
        .locator("[data-testid=chart-gmv] rect[data-series=gmv]")
        .evaluateAll((rs) => rs.map((r) => Number((r as unknown as Attributed).getAttribute("height"))))
      expect(heights.filter((h) => h > 0)).toHaveLength(14)
      const dots = (chart: string) =>
        page.locator(`[data-testid=${chart}] circle`).evaluateAll((cs) => cs.map((c) => Number((c as unknown as Attributed).getAttribute("data-value"))))
      expect(await dots("chart-payments")).toEqual([...FORTNIGHT.map((d) => d.paid / (d.paid + d.failed)), 1])
      await expect(page.getByTestId("chart-payments-line").getAttribute("d")).resolves.toMatch(/^M [\d.]+ [\d.]+( L [\d.]+ [\d.]+){13}$/)
      expect(await dots("chart-sla")).toEqual(FORTNIGHT.map((d) => d.met / (d.met + d.breached)))
      expect(await values("chart-exceptions", "exceptionsOpened")).toEqual([...FORTNIGHT.map((d) => d.opened), 0])
      expect(await values("chart-exceptions", "exceptionsClosed")).toEqual([...FORTNIGHT.map((d) => d.closed), 0])
      await expect(page.getByTestId("chart-payments-card").innerText()).resolves.toContain(
        `${FORTNIGHT.reduce((n, d) => n + d.paid, 1)} of ${FORTNIGHT.reduce((n, d) => n + d.paid + d.failed, 1)} payments went through`
      )
      await screenshot(page, "backoffice-dashboard")
      await page.getByTestId("trends").screenshot({ path: `${ARTIFACTS}/backoffice-dashboard-charts.png` })
      await context.close()
    })

    it("verifying a pending product puts it on sale: GET /api/v1/products lists it, with an audit entry and an event", async () => {
      const before = (await (await fetch(`${api.url}/api/v1/products?q=necklace`)).json()) as { items?: Array<{ id: string }> }
      expect(JSON.stringify(before)).not.toContain("prd_beaded_necklace")
      const context = await offlineContext(browser, api.url)
      const page = await context.newPage()
      await login(page, api.url, ADMIN.email, ADMIN.password)
      await page.goto(`${api.url}/admin/resources/products/records/prd_beaded_necklace/show`)
      await page.getByTestId("product-review").waitFor()
      await expect(page.getByTestId("product-review").innerText()).resolves.toMatch(/first review/i)
      await page.goto(`${api.url}/admin/resources/products/records/prd_beaded_necklace/verify`)
      await page.fill("#field-reason", "photos and price checked")
      await Promise.all([page.waitForURL(/\/records\/prd_beaded_necklace\/show/), page.getByTestId("action-submit").click()])
      await context.close()

      const [p] = await db.sql<Array<{ state: string; last_verified: unknown }>>`select state, last_verified from products where id = 'prd_beaded_necklace'`
      expect(p?.state).toBe("VERIFIED")
      expect(p?.last_verified).toMatchObject({ title: "Maasai beaded necklace", basePrice: { amount: 900_00, currency: "KES" } })
      const audit = await db.sql`select actor_role, action, reason from audit_log where entity = 'product' and entity_id = 'prd_beaded_necklace'`
      expect(audit).toEqual([{ actor_role: "PLATFORM_ADMIN", action: "PRODUCT.VERIFY", reason: "photos and price checked" }])
      const events = await db.sql`select event_type from outbox where aggregate_id = 'prd_beaded_necklace'`
      expect(events.map((e) => e["event_type"])).toEqual(["PRODUCT_VERIFIED"])
      const listed = await (await fetch(`${api.url}/api/v1/products?q=necklace`)).text()
      expect(listed).toContain("prd_beaded_necklace")
    })

    it("platform settings: a zone with a rate and an SLA, and a pickup point (a coordinate out of range is a notice, nothing written)", async () => {
      const [first] = await db.sql<Array<{ id: AdminUserId }>>`select id from admin_users where email = ${ADMIN.email}`
      await api.runtime.runPromise(
        createAdminUser({ id: first!.id, email: ADMIN.email, role: "PLATFORM_ADMIN" }, { ...SETTINGS_ADMIN, role: "PLATFORM_ADMIN" })
      )
      const context = await offlineContext(browser, api.url)
      const page = await context.newPage()
      try {
        await login(page, api.url, SETTINGS_ADMIN.email, SETTINGS_ADMIN.password)
        const submit = (url: RegExp) => Promise.all([page.waitForURL(url), page.getByTestId("action-submit").click()])

        await page.goto(`${api.url}/admin/resources/shipping_zones/actions/newZone`)
        await page.fill("#field-name", "Kisumu")
        await page.fill("#field-covers", "KE-042")
        await submit(/\/resources\/shipping_zones\/actions\/list/)
        const [zone] = await db.sql<Array<{ id: string }>>`select id from shipping_zones where name = 'Kisumu'`
        expect(await db.sql`select location_id from shipping_zone_coverage where zone_id = ${zone!.id}`).toEqual([{ location_id: "KE-042" }])

        await page.goto(`${api.url}/admin/resources/shipping_zones/records/${zone!.id}/addRate`)
        await page.selectOption("#field-kind", "FLAT")
        await page.fill("#field-name", "Standard")
        await page.fill("#field-amount", "300")
        await submit(new RegExp(`/records/${zone!.id}/show`))
        await page.goto(`${api.url}/admin/resources/shipping_zones/records/${zone!.id}/setSla`)
        await page.fill("#field-dispatch", "120")
        await page.fill("#field-deliver", "480")
        await page.fill("#field-points", "50")
        await submit(new RegExp(`/records/${zone!.id}/show`))
        expect(await db.sql`select kind, amount, version from shipping_rates where zone_id = ${zone!.id}`).toEqual([
          { kind: "FLAT", amount: 300_00, version: 1 }
        ])
        expect(await db.sql`select dispatch_within_minutes, deliver_within_minutes, version from zone_slas where zone_id = ${zone!.id}`).toEqual([
          { dispatch_within_minutes: 120, deliver_within_minutes: 480, version: 1 }
        ])
        await page.getByText("Standard (FLAT v1)").first().waitFor()
        await screenshot(page, "backoffice-settings-zone")

        // a coordinate out of range is refused with a notice saying so; nothing is added
        await page.goto(`${api.url}/admin/resources/locations/actions/newLocation`)
        await page.selectOption("#field-kind", "PICKUP_POINT")
        await page.fill("#field-parent_id", "KE-042-kisumu-city")
        await page.fill("#field-name", "Lake Basin Mall Locker")
        await page.fill("#field-address", "Lake Basin Mall, Kisumu-Kakamega Road")
        await page.fill("#field-lat", "95")
        await page.fill("#field-lng", "34.768")
        await page.getByTestId("action-submit").click()
        await page.getByText("latitude must be between -90 and 90").first().waitFor()
        await screenshot(page, "backoffice-settings-bad-coordinate")
        expect(await db.sql`select 1 from locations where name = 'Lake Basin Mall Locker'`).toHaveLength(0)
        await page.fill("#field-lat", "-0.0917")
        await submit(/\/resources\/locations\/actions\/list/)
        expect(await db.sql`select id, kind, parent_id, address, lat::text from locations where name = 'Lake Basin Mall Locker'`).toEqual([
          {
            id: "KE-042-lake-basin-mall-locker",
            kind: "PICKUP_POINT",
            parent_id: "KE-042-kisumu-city",
            address: "Lake Basin Mall, Kisumu-Kakamega Road",
            lat: "-0.091700"
          }
        ])
        expect(
          (await db.sql`select action from audit_log where action in ('ZONE.CREATE', 'RATE.CREATE', 'SLA.SET', 'LOCATION.CREATE') order by seq`).map(
            (r) => r["action"]
          )
        ).toEqual(["ZONE.CREATE", "RATE.CREATE", "SLA.SET", "LOCATION.CREATE"])
      } finally {
        await context.close()
      }
    }, 300_000)

    it("platform settings: an admin onboards a rider and suspends a user (sessions end, with the reason kept)", async () => {
      const [zone] = await db.sql<Array<{ id: string }>>`select id from shipping_zones where name = 'Kisumu'`
      const context = await offlineContext(browser, api.url)
      const page = await context.newPage()
      try {
        await login(page, api.url, SETTINGS_ADMIN.email, SETTINGS_ADMIN.password)
        const submit = (url: RegExp) => Promise.all([page.waitForURL(url), page.getByTestId("action-submit").click()])

        await page.goto(`${api.url}/admin/resources/riders/actions/onboard`)
        await page.fill("#field-phone", "0722 456 789")
        await page.fill("#field-name", "Akinyi Atieno")
        await page.fill("#field-zones", zone!.id)
        await page.selectOption("#field-vehicle", "MOTORBIKE")
        await submit(/\/resources\/riders\/actions\/list/)
        await page.getByText("Akinyi Atieno").first().waitFor()
        await screenshot(page, "backoffice-settings-riders")
        expect(await db.sql`select u.roles, r.availability, r.vehicle from users u join riders r on r.user_id = u.id where u.phone = '254722456789'`).toEqual([
          { roles: ["BUYER", "RIDER"], availability: "OFFLINE", vehicle: "MOTORBIKE" }
        ])

        await db.sql`insert into user_sessions (user_id, token_hash, expires_at) values ('usr_demo_buyer', 'bo-settings-live-session', now() + interval '1 day')`
        await page.goto(`${api.url}/admin/resources/users/records/usr_demo_buyer/suspend`)
        await page.fill("#field-reason", "chargebacks under review")
        await submit(/\/records\/usr_demo_buyer\/show/)
        await page.getByText("chargebacks under review").first().waitFor()
        await screenshot(page, "backoffice-settings-user-suspended")
        expect(await db.sql`select revoked_at is not null as ended from user_sessions where token_hash = 'bo-settings-live-session'`).toEqual([{ ended: true }])
        expect(await db.sql`select status, status_reason from users where id = 'usr_demo_buyer'`).toEqual([
          { status: "SUSPENDED", status_reason: "chargebacks under review" }
        ])
        expect(
          (
            await db.sql`select action from audit_log where actor_role = 'PLATFORM_ADMIN' and action in ('ZONE.CREATE', 'RATE.CREATE', 'SLA.SET', 'LOCATION.CREATE', 'RIDER.ONBOARD', 'USER.SUSPEND') order by seq`
          ).map((r) => r["action"])
        ).toEqual(["ZONE.CREATE", "RATE.CREATE", "SLA.SET", "LOCATION.CREATE", "RIDER.ONBOARD", "USER.SUSPEND"])
        // put the demo buyer back for the tests that follow
        await page.goto(`${api.url}/admin/resources/users/records/usr_demo_buyer/reinstate`)
        await page.fill("#field-reason", "review done")
        await submit(/\/records\/usr_demo_buyer\/show/)
        expect(await db.sql`select status from users where id = 'usr_demo_buyer'`).toEqual([{ status: "ACTIVE" }])
      } finally {
        await context.close()
      }
    }, 300_000)

    it("a promotion created in the back-office is the one the cart preview applies", async () => {
      const context = await offlineContext(browser, api.url)
      const page = await context.newPage()
      await login(page, api.url, ADMIN.email, ADMIN.password)
      await page.goto(`${api.url}/admin/resources/promotions/actions/createPromotion`)
      const local = (ms: number) => new Date(ms + 3 * 3_600_000).toISOString().slice(0, 16)
      await page.fill("#field-name", "Jamhuri weekend: KES 300 off")
      await page.fill("#field-priority", "50")
      await page.fill("#field-starts_at", local(Date.now() - 3_600_000))
      await page.fill("#field-ends_at", local(Date.now() + 7 * 86_400_000))
      await page.selectOption("#field-scope", "EVERYTHING")
      await page.selectOption("#field-effect", "AMOUNT_OFF")
      await page.fill("#field-amount", "300")
      await page.fill("#field-global_limit", "100")
      const [, , posted] = await Promise.all([
        page.waitForURL(/\/resources\/promotions\/actions\/list/),
        page.getByTestId("action-submit").click(),
        page.waitForRequest((r) => r.method() === "POST" && r.url().endsWith("/admin/api/resources/promotions/actions/createPromotion"))
      ])
      // the UI's own XHR carries the page's CSRF token and our origin (html.ts), which is why it passes the guard
      expect((await posted.allHeaders())["x-csrf-token"]).toBe(await page.locator('meta[name="amana-csrf"]').getAttribute("content"))
      // the list renders after its XHR answers: wait for the row (a snapshot taken at once raced it on a loaded machine)
      await page.getByText("Jamhuri weekend").first().waitFor()
      await expect(page.locator("body").innerText()).resolves.toContain("Jamhuri weekend")
      await context.close()

      const [promo] = await db.sql<
        Array<{ id: string; current_version: number }>
      >`select id, current_version from promotions where name = 'Jamhuri weekend: KES 300 off'`
      expect(promo?.current_version).toBe(1)
      const added = await fetch(`${api.url}/api/v1/cart/items`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ variantId: "prd_leather_sandals_v1", quantity: 1 })
      })
      const token = ((await added.json()) as { cartToken?: string }).cartToken
      const cart = (await (await fetch(`${api.url}/api/v1/cart?destination=KE-047`, { headers: { "x-cart-token": token ?? "" } })).json()) as {
        preview: { orders: Array<{ promotion?: { id: string; name: string; discount: { amount: number } } }> } | null
      }
      expect(cart.preview?.orders[0]?.promotion).toMatchObject({ id: promo!.id, name: "Jamhuri weekend: KES 300 off", discount: { amount: 300_00 } })
    })

    it("resolving an exception with a note shows in the audit log, and the chain verifies", async () => {
      const context = await offlineContext(browser, api.url)
      const page = await context.newPage()
      await login(page, api.url, ADMIN.email, ADMIN.password)
      await page.goto(`${api.url}/admin/resources/exceptions/records/${exceptionId}/resolve`)
      await page.fill("#field-note", "Buyer paid from his brother's phone; confirmed by call")
      await Promise.all([page.waitForURL(new RegExp(`/records/${exceptionId}/show`)), page.getByTestId("action-submit").click()])
      await page.goto(`${api.url}/admin/resources/audit_log`)
      // the list renders after its XHR answers: wait for the row (a snapshot taken at once raced it on a loaded machine)
      await page.getByText("EXCEPTION.RESOLVE").first().waitFor()
      await expect(page.locator("body").innerText()).resolves.toContain("EXCEPTION.RESOLVE")
      await page.goto(`${api.url}/admin/resources/audit_log/actions/verifyChain`)
      await page.getByTestId("action-submit").click()
      await expect(page.getByTestId("action-outcome").innerText()).resolves.toMatch(/intact: \d+ entries verified/)
      await context.close()
      const [x] = await db.sql`select status, note from exceptions where id = ${exceptionId}`
      expect(x).toEqual({ status: "RESOLVED", note: "Buyer paid from his brother's phone; confirmed by call" })
    })

    it("an auditor reads orders and their snapshots, sees no write action, and a forged write is refused by the server", async () => {
      const context = await offlineContext(browser, api.url)
      const page = await context.newPage()
      await login(page, api.url, AUDITOR.email, AUDITOR.password)
      await page.goto(`${api.url}/admin/resources/orders/records/${orderId}/show`)
      const receipt = page.getByTestId("order-receipt")
      await receipt.waitFor()
      const text = await receipt.innerText()
      expect(text).toContain("Kitenge dress")
      expect(text).toContain("NLJ7RT61SV")
      expect(text).toContain("Immutable snapshot")
      await screenshot(page, "backoffice-order-receipt")

      await page.goto(`${api.url}/admin/resources/products/records/prd_maasai_shuka/show`)
      await page.getByTestId("product-review").waitFor()
      for (const label of ["Verify", "Reject", "Suspend"]) await expect(page.getByRole("button", { name: label, exact: true }).count()).resolves.toBe(0)

      const [open] = await db.sql<
        Array<{ id: string }>
      >`insert into exceptions (kind, entity, entity_id) values ('UNKNOWN_CALLBACK', 'mpesa_callback', '1') returning id`
      // forged from the auditor's own page, with its token: the role gate is what refuses them
      const headers = await pageHeaders(page, api.url)
      const forged = await page.request.post(`${api.url}/admin/api/resources/exceptions/records/${open!.id}/resolve`, { headers, data: { note: "forged" } })
      expect([forged.status(), ((await forged.json()) as { code?: string }).code]).toEqual([403, "ADMIN.FORBIDDEN"])
      const forgedVerify = await page.request.post(`${api.url}/admin/api/resources/products/records/prd_maasai_shuka/suspend`, {
        headers,
        data: { reason: "forged" }
      })
      expect(forgedVerify.status()).toBe(403)
      const builtIn = await page.request.post(`${api.url}/admin/api/resources/products/records/prd_maasai_shuka/edit`, { headers, data: { title: "forged" } })
      expect(builtIn.status()).toBe(403)
      for (const action of ["resolveDispute", "assignRider"]) {
        const forgedFulfilment = await page.request.post(`${api.url}/admin/api/resources/orders/records/${orderId}/${action}`, {
          headers,
          data: { outcome: "REFUND", riderUserId: "usr_x", note: "forged" }
        })
        expect(forgedFulfilment.status()).toBe(403)
      }
      await context.close()
      const [still] = await db.sql`select status from exceptions where id = ${open!.id}`
      expect(still).toEqual({ status: "OPEN" })
      const [shuka] = await db.sql`select state, title from products where id = 'prd_maasai_shuka'`
      expect(shuka).toEqual({ state: "VERIFIED", title: "Maasai shuka blanket" })
      const byAuditor = await db.sql`select 1 from audit_log where actor_role = 'AUDITOR'`
      expect(byAuditor).toHaveLength(0)
    })

    it("a cross-site page that posts a form to the back-office while the admin is logged in is refused in the browser; no admin is created", async () => {
      const context = await offlineContext(browser, api.url)
      const page = await context.newPage()
      await login(page, api.url, SECOND_ADMIN.email, SECOND_ADMIN.password)
      // the attacker's page, served for another site (routes added later win over offlineContext's)
      await context.route("http://attacker.example/**", (route) =>
        route.fulfill({
          contentType: "text/html",
          body: `<form id="f" method="POST" action="${api.url}/admin/api/resources/admin_users/actions/createAdmin">
          <input name="email" value="planted@evil.example"><input name="role" value="PLATFORM_ADMIN"><input name="password" value="planted-by-a-forged-form">
          </form><script>document.getElementById("f").submit()</script>`
        })
      )
      const [answer] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith("/admin_users/actions/createAdmin")),
        page.goto("http://attacker.example/")
      ])
      expect(answer.status()).toBe(403)
      expect(((await answer.json()) as { code?: string }).code).toBe("ADMIN.CROSS_SITE")
      await context.close()
      expect(await db.sql`select 1 from admin_users where email = 'planted@evil.example'`).toHaveLength(0)
    })

    it("an admin resolves a dispute from the order's page: escrow is released and the decision is audited", async () => {
      // The order is paid in the fixture; walk it to DISPUTED (the journey there is tested elsewhere).
      await db.sql`update orders set state = 'DISPUTED' where id = ${orderId}`
      const context = await offlineContext(browser, api.url)
      const page = await context.newPage()
      // Not ADMIN: its five logins in this file are the per-email limit (LOGIN_LIMIT.perEmail, counted over 15 minutes).
      await login(page, api.url, SECOND_ADMIN.email, SECOND_ADMIN.password)
      const headers = await pageHeaders(page, api.url)
      const refused = await page.request.post(`${api.url}/admin/api/resources/orders/records/${orderId}/resolveDispute`, {
        headers,
        data: { outcome: "BOTH", note: "?" }
      })
      expect(((await refused.json()) as { notice: { type: string } }).notice.type).toBe("error")
      const done = await page.request.post(`${api.url}/admin/api/resources/orders/records/${orderId}/resolveDispute`, {
        headers,
        data: { outcome: "RELEASE", note: "Photo shows the dress delivered intact" }
      })
      expect(done.status()).toBe(200)
      await context.close()
      const [order] = await db.sql`select state from orders where id = ${orderId}`
      expect(order).toEqual({ state: "COMPLETED" })
      const audit = await db.sql`select action, reason from audit_log where entity_id = ${orderId}`
      expect(audit).toEqual([{ action: "DISPUTE.RELEASE", reason: "Photo shows the dress delivered intact" }])
      const [chain] = await db.sql`select audit_verify_chain() as broken`
      expect(chain).toEqual({ broken: null })
    })

    it("affiliate applications: an admin approves one (the user gets the AFFILIATE role and a code) and rejects another with a reason", async () => {
      const apply = async (userId: string, pitch: string) => {
        const token = await sessionFor(db.sql, userId)
        const res = await fetch(`${api.url}/api/v1/affiliate/apply`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ pitch, channel: "WhatsApp" })
        })
        expect(res.status).toBe(201)
        return ((await res.json()) as { applicationId: string }).applicationId
      }
      const approveId = await apply("usr_demo_buyer", "I post kitenge deals to my WhatsApp status every day")
      await insertUser(db.sql, { id: "usr_bo_applicant", phone: "254733000444", displayName: "Baraka" })
      const rejectId = await apply("usr_bo_applicant", "buy my stuff")

      const context = await offlineContext(browser, api.url)
      const page = await context.newPage()
      // ADMIN has used its 5 logins in this window (the per-email limit): the second platform admin decides
      await login(page, api.url, SECOND_ADMIN.email, SECOND_ADMIN.password)
      await page.goto(`${api.url}/admin/resources/affiliate_applications`)
      // the list is fetched after the page loads: wait for the row (reading the text at once was flaky)
      await page.getByText("254708374149").first().waitFor({ timeout: 15_000 })
      await page.goto(`${api.url}/admin/resources/affiliate_applications/records/${approveId}/approve`)
      await page.fill("#field-reason", "active WhatsApp seller, good reach")
      await Promise.all([page.waitForURL(new RegExp(`/records/${approveId}/show`)), page.getByTestId("action-submit").click()])
      const [user] = await db.sql<Array<{ roles: Array<string>; affiliate_code: string }>>`select roles, affiliate_code from users where id = 'usr_demo_buyer'`
      expect(user?.roles).toContain("AFFILIATE")
      expect(user?.affiliate_code).toMatch(/^[0-9A-Z]{8}$/)
      await page.getByText(user!.affiliate_code).first().waitFor({ timeout: 15_000 })
      await screenshot(page, "backoffice-affiliate-approved")

      await page.goto(`${api.url}/admin/resources/affiliate_applications/records/${rejectId}/reject`)
      await page.fill("#field-reason", "tell us where you will share the links")
      await Promise.all([page.waitForURL(new RegExp(`/records/${rejectId}/show`)), page.getByTestId("action-submit").click()])
      // a decided application offers no more decisions
      for (const label of ["Approve", "Reject"]) await expect(page.getByRole("button", { name: label, exact: true }).count()).resolves.toBe(0)
      await context.close()

      const decided = await db.sql`select id, state, reason from affiliate_applications where id in (${approveId}, ${rejectId}) order by state`
      expect(decided).toEqual([
        { id: approveId, state: "APPROVED", reason: "active WhatsApp seller, good reach" },
        { id: rejectId, state: "REJECTED", reason: "tell us where you will share the links" }
      ])
      const audit = await db.sql`select actor_role, action from audit_log where entity = 'affiliate_application' and actor_kind = 'ADMIN' order by seq`
      expect(audit).toEqual([
        { actor_role: "PLATFORM_ADMIN", action: "AFFILIATE.APPROVE" },
        { actor_role: "PLATFORM_ADMIN", action: "AFFILIATE.REJECT" }
      ])
      expect((await db.sql`select affiliate_code from users where id = 'usr_bo_applicant'`)[0]?.["affiliate_code"]).toBeNull()
    })
  }
)
