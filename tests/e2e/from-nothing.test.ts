/**
 * Issue 12, "done means": a marketplace from nothing. An empty database (migrations only: the
 * geography, no demo seed), the real platform in process with the worker running every handler,
 * Daraja (STK and B2C) played by the fake server. Admin steps call the same application use cases
 * the back-office actions call (their screens have their own browser tests); everything a seller,
 * affiliate, buyer or rider does goes over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { decideSeller } from "../../application/admin/review-sellers.js"
import { decideProduct } from "../../application/admin/review-catalogue.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import { decideAffiliateApplication } from "../../application/affiliates/affiliates.js"
import { createCategory } from "../../application/platform/catalogue-settings.js"
import { addRate, createLocation, createZone, setZoneSla } from "../../application/platform/shipping-settings.js"
import { onboardRider } from "../../application/riders/onboard-rider.js"
import type { AdminUserId } from "../../domain/ids.js"
import { LocationId, ProductId, StoreId } from "../../domain/ids.js"
import { kes } from "../../domain/money.js"
import { call, login, randomPhone } from "../api/support.js"
import { eventually, inboxMessage, selectAndApprove, startPlatform, waitForState } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"
import { tinyPdf } from "../support/upload-files.js"
import { useTestDatabase } from "../support/test-database.js"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"

const db = useTestDatabase()
let api: Platform
let admin: AdminActor
let finance: AdminActor
let uploadsDir = ""
const BROWSER = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
const DAY = 86_400_000

beforeAll(async () => {
  uploadsDir = await mkdtemp(join(tmpdir(), "amana-e2e-uploads-"))
  process.env["UPLOADS_DIR"] = uploadsDir
  api = await startPlatform(db)
  const rows = await db.sql<Array<{ id: AdminUserId; role: string }>>`
    insert into admin_users (email, password_hash, role) values ('founder@amana.test', 'not-a-real-hash', 'PLATFORM_ADMIN'), ('money@amana.test', 'not-a-real-hash', 'FINANCE')
    returning id, role`
  admin = { id: rows.find((r) => r.role === "PLATFORM_ADMIN")!.id, email: "founder@amana.test", role: "PLATFORM_ADMIN" }
  finance = { id: rows.find((r) => r.role === "FINANCE")!.id, email: "money@amana.test", role: "FINANCE" }
}, 60_000)
afterAll(async () => {
  await api?.close()
  delete process.env["UPLOADS_DIR"]
  await rm(uploadsDir, { recursive: true, force: true })
})

describe("a marketplace from nothing", () => {
  it(
    "admin sets up shipping; a seller opens, is verified and lists; an affiliate shares a link; a buyer follows it, buys and pays; an online rider delivers; the weekly batch pays seller, affiliate and rider",
    { timeout: 180_000 },
    async () => {
      // Nothing to sell, nobody to sell it.
      const [empty] =
        await db.sql`select (select count(*)::int from stores) as stores, (select count(*)::int from shipping_zones) as zones, (select count(*)::int from users) as users`
      expect(empty).toEqual({ stores: 0, zones: 0, users: 0 })

      // 1. The admin: a category, a zone over Nairobi with a flat rate and an SLA, a pickup point.
      await api.runtime.runPromise(createCategory(admin, { name: "Fashion" }))
      const [category] = await db.sql<Array<{ id: string }>>`select id from categories where name = 'Fashion'`
      const { zoneId } = await api.runtime.runPromise(createZone(admin, { name: "Nairobi", covers: [LocationId.make("KE-047")] }))
      await api.runtime.runPromise(addRate(admin, { zoneId, terms: { kind: "FLAT", name: "Boda", amount: kes(1_000) } }))
      await api.runtime.runPromise(setZoneSla(admin, { zoneId, terms: { dispatchWithinMinutes: 120, deliverWithinMinutes: 240, compensationPoints: 20 } }))
      const { locationId: pickup } = await api.runtime.runPromise(
        createLocation(admin, {
          kind: "PICKUP_POINT",
          parentId: LocationId.make("KE-047-westlands"),
          name: "Westgate Locker",
          address: "Mwanzi Road",
          lat: -1.2566,
          lng: 36.8033
        })
      )

      // 2. A seller signs up, opens a store, submits KYC with a document, sets the payout phone, lists a product.
      const sellerPhone = randomPhone()
      const seller = await login(api, sellerPhone)
      const opened = await call(api, "POST", "/api/v1/seller/stores", {
        token: seller.token,
        body: {
          name: "Kitenge House",
          slug: "kitenge-house",
          mainCategoryId: category!.id,
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
      await api.runtime.runPromise(decideSeller(admin, { storeId: StoreId.make(storeId), decision: "VERIFY" }))
      expect((await call(api, "POST", "/api/v1/seller/store/payout-method/code", { token: seller.token })).status).toBeLessThan(300)
      const code = /(\d{6})/.exec((await call(api, "GET", `/dev/messages?to=${sellerPhone}`)).body.items[0].text as string)![1]!
      const payout = await call(api, "PUT", "/api/v1/seller/store/payout-method", { token: seller.token, body: { method: "B2C", phone: sellerPhone, code } })
      expect(payout.status, JSON.stringify(payout.body)).toBe(200)
      const listed = await call(api, "POST", "/api/v1/seller/products", {
        token: seller.token,
        body: { title: "Kitenge gown", basePrice: { amount: 10_000_00, currency: "KES" }, variants: [{ sku: "KG-1", weightGrams: 600, stock: 5 }] }
      })
      expect(listed.status, JSON.stringify(listed.body)).toBe(201)
      const productId: string = listed.body.id
      expect(
        (await call(api, "PUT", `/api/v1/seller/products/${productId}/commission`, { token: seller.token, body: { commissionRateBps: 1_000 } })).status
      ).toBe(200)
      await api.runtime.runPromise(decideProduct(admin, { id: ProductId.make(productId), decision: "VERIFY" }))
      expect((await call(api, "GET", `/api/v1/products/${productId}`)).body).toMatchObject({ id: productId, sellable: true })

      // 3. An affiliate applies, is approved, shares a link.
      const affiliatePhone = randomPhone()
      const affiliate = await login(api, affiliatePhone)
      const applied = await call(api, "POST", "/api/v1/affiliate/apply", { token: affiliate.token, body: { pitch: "a WhatsApp group of 300 mums" } })
      expect(applied.status, JSON.stringify(applied.body)).toBe(201)
      const decided = await api.runtime.runPromise(decideAffiliateApplication(admin, { applicationId: applied.body.applicationId, decision: "APPROVE" }))
      const refCode: string = decided.code!

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
      const orderId: string = placed.body.orders[0].orderId
      const order = await call(api, "GET", `/api/v1/orders/${orderId}`, { token: buyer.token })
      expect(order.body.snapshot.affiliate).toMatchObject({ userId: affiliate.userId })
      const pay = await call(api, "POST", `/api/v1/checkouts/${placed.body.checkoutId}/payments`, { token: buyer.token, body: { phone: buyerPhone } })
      expect(pay.status, JSON.stringify(pay.body)).toBe(202)
      await api.fake.sendCallback(pay.body.checkoutRequestId)
      await waitForState(db.sql, orderId, "PAID")

      // 5. A rider onboarded by the admin goes online and delivers.
      const riderPhone = randomPhone()
      await api.runtime.runPromise(onboardRider(admin, { phone: riderPhone, name: "Otieno", zones: [zoneId], vehicle: "motorbike" }))
      const rider = await login(api, riderPhone)
      expect((await call(api, "PUT", "/api/v1/rider/availability", { token: rider.token, body: { availability: "ONLINE" } })).status).toBe(200)
      expect((await call(api, "POST", `/api/v1/seller/orders/${orderId}/accept`, { token: seller.token })).status).toBe(200)
      const dispatched = await call(api, "POST", `/api/v1/seller/orders/${orderId}/dispatch`, { token: seller.token })
      expect(dispatched.body, JSON.stringify(dispatched.body)).toMatchObject({ carrier: "RIDER", riderName: "Otieno" })
      const jobId: string = dispatched.body.jobId
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

      // 6. The weekly batch (a Friday more than a day after the payout phone was set) pays all three by B2C.
      const now = Date.now()
      let friday = now + 2 * DAY
      while (new Date(friday).getUTCDay() !== 5) friday += DAY
      friday = Date.UTC(new Date(friday).getUTCFullYear(), new Date(friday).getUTCMonth(), new Date(friday).getUTCDate(), 3, 0)
      const batchId = await selectAndApprove(api, finance, friday)
      const payouts = await eventually(
        "three payouts paid",
        async () => {
          const rows = await db.sql<Array<{ payee_kind: string; status: string; amount: number }>>`
          select payee_kind, status, amount from payouts where batch_id = ${batchId} order by payee_kind`
          return rows.length === 3 && rows.every((r) => r.status === "SUCCEEDED") ? rows : undefined
        },
        60_000
      )
      expect(payouts.map((p) => p.payee_kind).sort()).toEqual(["AFFILIATE", "RIDER", "SELLER"])
      // seller: 10,000 - 5% platform fee - 10% commission; affiliate: 10%; rider: the shipping
      expect(Object.fromEntries(payouts.map((p) => [p.payee_kind, p.amount]))).toEqual({ SELLER: 8_500_00, AFFILIATE: 1_000_00, RIDER: 1_000_00 })
      // ...each by M-Pesa B2C to its own phone
      const sent = Object.fromEntries(api.fake.b2cPayments.map((b) => [b.phone, b.amount]))
      expect(sent).toMatchObject({ [sellerPhone]: 8_500, [affiliatePhone]: 1_000, [riderPhone]: 1_000 })
    }
  )
})
