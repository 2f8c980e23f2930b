/**
 * Issue 12, "done means": a marketplace from nothing, the way an operator runs it. `SEED_DEMO=0 npm start`
 * (composition/main.ts as a child process: API, back-office and worker) on an empty database (the
 * migrations' geography only), Daraja (STK and B2C) played by the fake server. Everyone works over
 * HTTP: the admins through the back-office's own endpoints (session cookie and CSRF token, the same
 * requests its screens send; the screens themselves have browser tests), sellers, affiliates,
 * buyers and riders through the API.
 *
 * One step cannot happen in real time: the weekly payout batch is selected by a Friday cron, and the
 * payout phone's 24 h hold must be over. The test runs that cron's use case against the same database
 * with the clock set to the coming Friday 03:00 UTC; the FINANCE admin then approves the batch in the
 * back-office and the platform's worker pays it by B2C.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect, TestClock, TestContext } from "effect"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { repoRoot } from "../../adapters/postgres/paths.js"
import { makePlatformRuntime } from "../../composition/platform.js"
import { selectWeeklyPayoutBatch } from "../../application/payouts/select-payout-batch.js"
import { call, login, randomPhone } from "../api/support.js"
import { eventually, inboxMessage, startFakeDarajaB2C } from "../fulfilment/support.js"
import type { FakeDaraja } from "../fakes/daraja-server.js"
import { AdminBrowser } from "../support/admin-browser.js"
import { freePort, startPlatform } from "../support/platform-process.js"
import type { PlatformProcess } from "../support/platform-process.js"
import { tinyPdf } from "../support/upload-files.js"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase()
const FOUNDER = { email: "founder@amana.test", password: "from-nothing-2026-kisumu" }
const FINANCE = { email: "money@amana.test", password: "from-nothing-2026-finance" }
const BROWSER = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
const DAY = 86_400_000
let platform: PlatformProcess | undefined
let fake: FakeDaraja | undefined
let uploadsDir = ""
let api: { readonly url: string }

beforeAll(async () => {
  uploadsDir = await mkdtemp(join(tmpdir(), "amana-e2e-uploads-"))
  const daraja = await startFakeDarajaB2C()
  fake = daraja.fake
  const port = await freePort()
  platform = await startPlatform(repoRoot, {
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: db.ownerUrl,
    NODE_ENV: "development",
    SEED_DEMO: "0",
    ADMIN_EMAIL: FOUNDER.email,
    ADMIN_PASSWORD: FOUNDER.password,
    UPLOADS_DIR: uploadsDir,
    REDIS_URL: undefined,
    ...daraja.env,
    DARAJA_CERTIFICATE_PATH: undefined,
    MPESA_CALLBACK_SECRET: undefined,
    WHATSAPP_TOKEN: undefined,
    LOGISTICS_PARTNER_URL: undefined
  })
  api = { url: platform.baseUrl }
}, 240_000)
afterAll(async () => {
  await platform?.stop(15_000)
  await fake?.close()
  await rm(uploadsDir, { recursive: true, force: true })
})

/** A back-office write as its form sends it; the action's notice must be a success. */
const act = async (admin: AdminBrowser, path: string, form: Record<string, string>) => {
  const r = await admin.send("POST", `/admin/api/resources/${path}`, { json: form })
  expect(r.json?.notice?.type, `${path}: ${r.status} ${r.text.slice(0, 300)}`).toBe("success")
  return String(r.json.notice.message)
}

/** The id a notice names, e.g. "Zone <id> created". */
const idIn = (notice: string, pattern: RegExp) => {
  const id = pattern.exec(notice)?.[1]
  expect(id, notice).toBeTruthy()
  return id!
}

describe("a marketplace from nothing, over HTTP against npm start", () => {
  it(
    "admin sets up shipping; a seller opens, is verified and lists; an affiliate shares a link; a buyer follows it, buys and pays; an online rider delivers; the weekly batch pays seller, affiliate and rider",
    { timeout: 300_000 },
    async () => {
      expect(platform!.output()).toContain("starting with an empty marketplace")
      const [empty] =
        await db.sql`select (select count(*)::int from stores) as stores, (select count(*)::int from shipping_zones) as zones, (select count(*)::int from users) as users`
      expect(empty).toEqual({ stores: 0, zones: 0, users: 0 })

      // 1. The founder (ADMIN_EMAIL) logs in, adds a FINANCE colleague, a category, a zone over Nairobi
      //    with a flat rate and an SLA, and a pickup point.
      const founder = await new AdminBrowser(api.url).login(FOUNDER)
      await act(founder, "admin_users/actions/createAdmin", { ...FINANCE, role: "FINANCE" })
      await act(founder, "categories/actions/newCategory", { name: "Fashion" })
      const zoneId = idIn(await act(founder, "shipping_zones/actions/newZone", { name: "Nairobi", covers: "KE-047" }), /^Zone (\S+) created$/)
      await act(founder, `shipping_zones/records/${zoneId}/addRate`, { kind: "FLAT", name: "Boda", amount: "1000" })
      await act(founder, `shipping_zones/records/${zoneId}/setSla`, { dispatch: "120", deliver: "240", points: "20" })
      const pickup = idIn(
        await act(founder, "locations/actions/newLocation", {
          kind: "PICKUP_POINT",
          parent_id: "KE-047-westlands",
          name: "Westgate Locker",
          address: "Mwanzi Road",
          lat: "-1.2566",
          lng: "36.8033"
        }),
        /^(\S+) added$/
      )
      expect((await call(api, "GET", "/api/v1/pickup-points?q=westgate")).body.items[0]).toMatchObject({ id: pickup, address: "Mwanzi Road" })

      // 2. A seller signs up, picks the category, opens a store, submits KYC with a document and is
      //    verified by the founder, sets the payout phone with a fresh code, lists a product; it is verified.
      const sellerPhone = randomPhone()
      const seller = await login(api, sellerPhone)
      const category = (await call(api, "GET", "/api/v1/categories")).body.items.find((c: { name: string }) => c.name === "Fashion")
      await act(founder, `categories/records/${category.id}/rename`, { name: "Fashion & fabrics", parent_id: "" })
      expect((await call(api, "GET", "/api/v1/categories")).body.items).toEqual([{ id: category.id, name: "Fashion & fabrics", slug: "fashion" }])
      const opened = await call(api, "POST", "/api/v1/seller/stores", {
        token: seller.token,
        body: {
          name: "Kitenge House",
          slug: "kitenge-house",
          mainCategoryId: category.id,
          locationId: "KE-047-westlands",
          contactPhone: `0${sellerPhone.slice(3)}`
        }
      })
      expect(opened.status, JSON.stringify(opened.body)).toBe(201)
      const storeId: string = opened.body.id
      const upload = await call(api, "POST", "/api/v1/uploads", { token: seller.token, raw: tinyPdf(), headers: { "content-type": "application/pdf" } })
      expect(upload.status, JSON.stringify(upload.body)).toBe(201)
      const kyc = await call(api, "PUT", "/api/v1/seller/store/kyc", {
        token: seller.token,
        body: { idType: "NATIONAL_ID", idNumber: "23456789", kraPin: "A123456789B", documentIds: [upload.body.id] }
      })
      expect(kyc.body).toMatchObject({ kycState: "PENDING" })
      // the founder opens the document from the review page, then verifies
      expect((await founder.page(`/admin/api/resources/sellers/records/${storeId}/show`)).res.status).toBe(200)
      expect((await founder.page(`/admin/uploads/${upload.body.id}`)).res.status).toBe(200)
      await act(founder, `sellers/records/${storeId}/verify`, {})
      expect((await call(api, "POST", "/api/v1/seller/store/payout-method/code", { token: seller.token })).status).toBeLessThan(300)
      const code = /(\d{6})/.exec((await call(api, "GET", `/dev/messages?to=${sellerPhone}`)).body.items[0].text as string)![1]!
      const payout = await call(api, "PUT", "/api/v1/seller/store/payout-method", { token: seller.token, body: { method: "B2C", phone: sellerPhone, code } })
      expect(payout.status, JSON.stringify(payout.body)).toBe(200)
      const listed = await call(api, "POST", "/api/v1/seller/products", {
        token: seller.token,
        body: {
          title: "Kitenge gown",
          basePrice: { amount: 10_000_00, currency: "KES" },
          categoryId: category.id,
          commissionRateBps: 1_000,
          variants: [{ sku: "KG-1", weightGrams: 600, stock: 5 }]
        }
      })
      expect(listed.status, JSON.stringify(listed.body)).toBe(201)
      const productId: string = listed.body.id
      expect((await call(api, "GET", `/api/v1/products/${productId}`)).status).toBe(404)
      // the reviewer opens the product (its version is on screen) and verifies what it saw
      const shown = await founder.send("GET", `/admin/api/resources/products/records/${productId}/show`)
      const reviewedVersion = String(shown.json?.record?.params?.version)
      expect(reviewedVersion, shown.text.slice(0, 300)).toMatch(/^\d+$/)
      await act(founder, `products/records/${productId}/verify`, { reviewedVersion })
      expect((await call(api, "GET", `/api/v1/products/${productId}`)).body).toMatchObject({ id: productId, sellable: true })
      expect((await call(api, "GET", "/api/v1/stores/kitenge-house/products")).body.items.map((p: { id: string }) => p.id)).toEqual([productId])

      // 3. An affiliate applies and is approved in the back-office; the notice gives the code.
      const affiliatePhone = randomPhone()
      const affiliate = await login(api, affiliatePhone)
      const applied = await call(api, "POST", "/api/v1/affiliate/apply", { token: affiliate.token, body: { pitch: "a WhatsApp group of 300 mums" } })
      expect(applied.status, JSON.stringify(applied.body)).toBe(201)
      const refCode = idIn(
        await act(founder, `affiliate_applications/records/${applied.body.applicationId}/approve`, {}),
        /^Approved: the affiliate's code is (\S+)$/
      )
      const me = await call(api, "GET", "/api/v1/affiliate/me", { token: affiliate.token })
      expect(me.body).toMatchObject({ code: refCode })

      // 4. A buyer follows the link, fills a cart with the token it got, logs in, checks out without typing the code, pays.
      const clicked = await fetch(`${api.url}/r/${refCode}?p=${productId}`, { redirect: "manual", headers: { "user-agent": BROWSER } })
      expect(clicked.status).toBeLessThan(400)
      const cartToken = clicked.headers.get("x-cart-token")!
      expect(cartToken).toBeTruthy()
      const variantId: string = listed.body.variants[0].id
      expect((await call(api, "POST", "/api/v1/cart/items", { body: { variantId, quantity: 1 }, headers: { "x-cart-token": cartToken } })).status).toBe(201)
      const buyerPhone = randomPhone()
      const buyer = await login(api, buyerPhone, cartToken)
      const placed = await call(api, "POST", "/api/v1/checkouts", {
        token: buyer.token,
        headers: { "idempotency-key": "from-nothing-1" },
        body: { destination: pickup, delivery: { recipientName: "Mama Wanjiru", landmark: "Westgate, lower ground" } }
      })
      expect(placed.status, JSON.stringify(placed.body)).toBe(201)
      expect(placed.body.total).toEqual({ amount: 11_000_00, currency: "KES" })
      const orderId: string = placed.body.orders[0].orderId
      const order = await call(api, "GET", `/api/v1/orders/${orderId}`, { token: buyer.token })
      expect(order.body.snapshot.affiliate).toMatchObject({ userId: affiliate.userId })
      const pay = await call(api, "POST", `/api/v1/checkouts/${placed.body.checkoutId}/payments`, { token: buyer.token, body: { phone: buyerPhone } })
      expect(pay.status, JSON.stringify(pay.body)).toBe(202)
      await fake!.sendCallback(pay.body.checkoutRequestId)
      await eventually(
        "the order is PAID",
        async () => (await call(api, "GET", `/api/v1/orders/${orderId}`, { token: buyer.token })).body.state === "PAID",
        30_000
      )

      // 5. A rider onboarded in the back-office goes online, gets the job by WhatsApp, and delivers.
      const riderPhone = randomPhone()
      await act(founder, "riders/actions/onboard", { phone: `0${riderPhone.slice(3)}`, name: "Otieno", zones: zoneId, vehicle: "MOTORBIKE" })
      const rider = await login(api, riderPhone)
      // the rider got a car: the founder changes the vehicle (and keeps the zone)
      await act(founder, `riders/records/${rider.userId}/change`, { zones: zoneId, vehicle: "CAR" })
      expect(await db.sql`select vehicle from riders where user_id = ${rider.userId}`).toEqual([{ vehicle: "CAR" }])
      expect((await call(api, "PUT", "/api/v1/rider/availability", { token: rider.token, body: { availability: "ONLINE" } })).status).toBe(200)
      expect((await call(api, "POST", `/api/v1/seller/orders/${orderId}/accept`, { token: seller.token })).status).toBe(200)
      const dispatched = await call(api, "POST", `/api/v1/seller/orders/${orderId}/dispatch`, { token: seller.token })
      expect(dispatched.body, JSON.stringify(dispatched.body)).toMatchObject({ carrier: "RIDER", riderName: "Otieno" })
      const jobId: string = dispatched.body.jobId
      expect((await inboxMessage(api, riderPhone, "rider_job")).text).toContain("Westgate Locker")
      const job = await call(api, "GET", `/api/v1/rider/jobs/${jobId}`, { token: rider.token })
      expect(job.body).toMatchObject({ orderId, delivery: { recipientName: "Mama Wanjiru", landmark: "Westgate, lower ground" } })
      const handover = (await inboxMessage(api, buyerPhone, "order_dispatched_with_code")).params[3]!
      for (const status of ["PICKED_UP", "IN_TRANSIT"])
        expect((await call(api, "POST", `/api/v1/rider/jobs/${jobId}/status`, { token: rider.token, body: { status } })).status).toBe(200)
      const delivered = await call(api, "POST", `/api/v1/rider/jobs/${jobId}/status`, {
        token: rider.token,
        body: { status: "DELIVERED", handoverCode: handover }
      })
      expect(delivered.status, JSON.stringify(delivered.body)).toBe(200)
      expect((await call(api, "POST", `/api/v1/orders/${orderId}/confirm`, { token: buyer.token })).body.state).toBe("COMPLETED")

      // 6. The Friday cron selects the weekly batch (run here with the clock at the coming Friday, see
      //    the header); FINANCE approves it in the back-office; the platform's worker pays all three by B2C.
      let friday = Date.now() + 2 * DAY
      while (new Date(friday).getUTCDay() !== 5) friday += DAY
      friday = Date.UTC(new Date(friday).getUTCFullYear(), new Date(friday).getUTCMonth(), new Date(friday).getUTCDate(), 3, 0)
      const cron = makePlatformRuntime(db.sql)
      const selected = await cron
        .runPromise(
          Effect.gen(function* () {
            yield* TestClock.setTime(friday)
            return yield* selectWeeklyPayoutBatch()
          }).pipe(Effect.provide(TestContext.TestContext))
        )
        .finally(() => cron.dispose())
      expect(selected._tag).toBe("Some")
      const batchId = selected._tag === "Some" ? selected.value.batchId : ""
      const finance = await new AdminBrowser(api.url).login(FINANCE)
      await act(finance, `payout_batches/records/${batchId}/approve`, { note: "weekly run" })
      const payouts = await eventually(
        "three payouts paid",
        async () => {
          const rows = await db.sql<Array<{ payee_kind: string; status: string; amount: number }>>`
            select payee_kind, status, amount from payouts where batch_id = ${batchId} order by payee_kind`
          return rows.length === 3 && rows.every((r) => r.status === "SUCCEEDED") ? rows : undefined
        },
        60_000
      )
      // seller: 10,000 - 5% platform fee - 10% commission; affiliate: 10%; rider: the shipping
      expect(Object.fromEntries(payouts.map((p) => [p.payee_kind, p.amount]))).toEqual({ SELLER: 8_500_00, AFFILIATE: 1_000_00, RIDER: 1_000_00 })
      expect(Object.fromEntries(fake!.b2cPayments.map((b) => [b.phone, b.amount]))).toMatchObject({
        [sellerPhone]: 8_500,
        [affiliatePhone]: 1_000,
        [riderPhone]: 1_000
      })
      expect(platform!.alive()).toBe(true)
    }
  )
})
