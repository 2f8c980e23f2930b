/**
 * A seller from nothing, over HTTP against the real platform: open a store, upload KYC documents
 * and submit them, be verified by an admin, set the payout destination with a fresh step-up code,
 * add and remove staff (who may run products, stock and orders, never money, staff or webhooks),
 * archive a product. Every write leaves an audit entry and an outbox event.
 */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { decideSeller } from "../../application/admin/review-sellers.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import { insertUser } from "../../adapters/postgres/seed.js"
import { dashboardData } from "../../backoffice/dashboard.js"
import type { Read } from "../../backoffice/read-model.js"
import type { AdminUserId } from "../../domain/ids.js"
import { StoreId } from "../../domain/ids.js"
import { MAX_UPLOAD_BYTES } from "../../domain/upload-content.js"
import { useTestDatabase } from "../support/test-database.js"
import { contains, GPS_SECRET, jpegWithExif, pngWithText, tinyPdf, webpWithExif } from "../support/upload-files.js"
import { call, drainOutbox, newBuyer, randomPhone, seedShop, sessionFor, startApi } from "./support.js"
import type { Api } from "./support.js"

const db = useTestDatabase()
let api: Api
let uploadsDir = ""
let admin: AdminActor
let shop: Awaited<ReturnType<typeof seedShop>>

const CATEGORY = "cat_onboarding_fashion"

beforeAll(async () => {
  uploadsDir = await mkdtemp(join(tmpdir(), "amana-uploads-"))
  process.env["UPLOADS_DIR"] = uploadsDir
  delete process.env["S3_BUCKET"]
  shop = await seedShop(db.sql)
  await db.sql`insert into categories (id, name, slug) values (${CATEGORY}, 'Fashion', 'fashion-onboarding') on conflict do nothing`
  const [row] = await db.sql<Array<{ id: AdminUserId }>>`
    insert into admin_users (email, password_hash, role) values ('kyc@amana.test', 'not-a-real-hash', 'PLATFORM_ADMIN') returning id`
  admin = { id: row!.id, email: "kyc@amana.test", role: "PLATFORM_ADMIN" }
  api = await startApi(db.sql)
})
afterAll(async () => {
  await api?.close()
  delete process.env["UPLOADS_DIR"]
  await rm(uploadsDir, { recursive: true, force: true })
})

let n = 0
/** A logged-in person with no store yet. */
const person = async () => {
  const id = `usr_onb_${process.pid}_${++n}_${Date.now()}`
  const phone = randomPhone()
  await insertUser(db.sql, { id, phone })
  return { id, phone, token: await sessionFor(db.sql, id) }
}

const slug = () => `duka-${process.pid}-${++n}-${Date.now() % 100_000}`

const open = async (token: string, overrides: Record<string, unknown> = {}) =>
  call(api, "POST", "/api/v1/seller/stores", {
    token,
    body: { name: "Mama Mboga Fashions", slug: slug(), mainCategoryId: CATEGORY, locationId: "KE-047-westlands", contactPhone: "0711 222 333", ...overrides }
  })

const uploadFile = (token: string, bytes: Uint8Array, contentType: string) =>
  call(api, "POST", "/api/v1/uploads", { token, raw: bytes, headers: { "content-type": contentType } })

const download = async (token: string, id: string) => {
  const res = await fetch(`${api.url}/api/v1/uploads/${id}`, { headers: { authorization: `Bearer ${token}` } })
  return { status: res.status, type: res.headers.get("content-type"), bytes: new Uint8Array(await res.arrayBuffer()) }
}

const audit = (entityId: string) =>
  db.sql<Array<{ actor_kind: string; actor_id: string; actor_role: string | null; action: string }>>`
    select actor_kind, actor_id, actor_role, action from audit_log where entity_id = ${entityId} order by seq`

const events = (aggregateId: string) => db.sql<Array<{ event_type: string }>>`select event_type from outbox where aggregate_id = ${aggregateId} order by seq`

const verifyKyc = (storeId: string) => api.runtime.runPromise(decideSeller(admin, { storeId: StoreId.make(storeId), decision: "VERIFY" }))

const latestCodeFor = async (phone: string) => {
  const inbox = await call(api, "GET", `/dev/messages?to=${phone}`)
  return /(\d{6})/.exec(inbox.body.items[0].text as string)![1]!
}

describe("opening a store", () => {
  it("any logged-in user opens a store and becomes its OWNER; KYC starts PENDING; audited with STORE_OPENED", async () => {
    const me = await person()
    const s = slug()
    const opened = await open(me.token, { slug: ` ${s.toUpperCase()} ` })
    expect(opened.status).toBe(201)
    expect(opened.body).toMatchObject({ slug: s, role: "OWNER", kycState: "PENDING", contactPhone: "254711222333", locationId: "KE-047-westlands" })
    const who = await call(api, "GET", "/api/v1/me", { token: me.token })
    expect(who.body.roles).toEqual(expect.arrayContaining(["BUYER", "SELLER_OWNER"]))
    expect((await call(api, "GET", "/api/v1/seller/store", { token: me.token })).body).toMatchObject({ id: opened.body.id, role: "OWNER" })
    expect(await audit(opened.body.id)).toEqual([{ actor_kind: "USER", actor_id: me.id, actor_role: "OWNER", action: "STORE.OPEN" }])
    expect(await events(opened.body.id)).toEqual([{ event_type: "STORE_OPENED" }])
  })

  it("a taken slug is 409 STORE.SLUG_TAKEN; reserved and malformed slugs are refused with their own codes; nothing is written", async () => {
    const first = await person()
    const s = slug()
    expect((await open(first.token, { slug: s })).status).toBe(201)
    const second = await person()
    expect((await open(second.token, { slug: s })).body).toMatchObject({ status: 409, code: "STORE.SLUG_TAKEN" })
    expect((await open(second.token, { slug: "www" })).body).toMatchObject({ status: 422, code: "STORE.SLUG_RESERVED" })
    expect((await open(second.token, { slug: "Admin" })).body).toMatchObject({ status: 422, code: "STORE.SLUG_RESERVED" })
    for (const bad of ["-duka", "duka-", "du--ka", "du", "duka_one", "duka.one"])
      expect((await open(second.token, { slug: bad })).body, bad).toMatchObject({ status: 422, code: "STORE.SLUG_INVALID" })
    expect(await db.sql`select 1 from store_members where user_id = ${second.id}`).toHaveLength(0)
    expect((await open(second.token)).status).toBe(201)
  })

  it("one store per person; the location must be a town or market and the category must exist", async () => {
    const me = await person()
    expect((await open(me.token, { locationId: "KE-047" })).body).toMatchObject({ status: 422, code: "STORE.INVALID_DETAILS" })
    expect((await open(me.token, { locationId: "KE-047-sarit-centre-locker" })).body).toMatchObject({ status: 422, code: "STORE.INVALID_DETAILS" })
    expect((await open(me.token, { mainCategoryId: "cat_nope" })).body).toMatchObject({ status: 422, code: "STORE.INVALID_DETAILS" })
    expect((await open(me.token, { locationId: "KE-047-westlands-market" })).status).toBe(201)
    expect((await open(me.token)).body).toMatchObject({ status: 409, code: "STORE.ALREADY_MEMBER" })
    expect((await open(await sessionFor(db.sql, shop.seller.id))).body).toMatchObject({ status: 409, code: "STORE.ALREADY_MEMBER" })
  })

  it("a product is drafted at once but sold only once both KYC and the product are VERIFIED", async () => {
    const me = await person()
    const store = (await open(me.token)).body
    const created = await call(api, "POST", "/api/v1/seller/products", {
      token: me.token,
      body: {
        title: "Ankara shirt",
        basePrice: { amount: 1_500_00, currency: "KES" },
        variants: [{ sku: `ANK-${process.pid}-${Date.now()}`, weightGrams: 300, stock: 5 }]
      }
    })
    expect(created.status).toBe(201)
    const productId: string = created.body.id
    const variantId: string = created.body.variants[0].id
    expect(created.body.variants[0].onHand).toBe(5)
    // An admin verifies the product, but the store's KYC is still PENDING: not on sale.
    await db.sql`update products set state = 'VERIFIED' where id = ${productId}`
    expect((await call(api, "GET", `/api/v1/products/${productId}`)).status).toBe(404)
    const buyer = await newBuyer(db.sql)
    const refused = await call(api, "POST", "/api/v1/checkouts", {
      token: buyer.token,
      headers: { "idempotency-key": `kyc-${productId}` },
      body: { destination: "KE-047-westlands", items: [{ variantId, quantity: 1 }] }
    })
    expect(refused.body).toMatchObject({ status: 422, code: "CHECKOUT.NOT_SELLABLE" })
    await verifyKyc(store.id)
    expect((await call(api, "GET", `/api/v1/products/${productId}`)).body).toMatchObject({ id: productId, sellable: true })
  })
})

describe("uploads", () => {
  it("an image's type is judged by its content and its metadata is gone; only its uploader reads it back", async () => {
    const me = await person()
    for (const [bytes, type] of [
      [jpegWithExif(), "image/jpeg"],
      [pngWithText(), "image/png"],
      [webpWithExif(), "image/webp"]
    ] as const) {
      const up = await uploadFile(me.token, bytes, type)
      expect(up.status, type).toBe(201)
      expect(up.body).toMatchObject({ contentType: type, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })
      expect(up.body.sizeBytes).toBeLessThan(bytes.length)
      const back = await download(me.token, up.body.id)
      expect(back).toMatchObject({ status: 200, type })
      expect(contains(back.bytes, GPS_SECRET), `${type} still carries its metadata`).toBe(false)
      expect(back.bytes.length).toBe(up.body.sizeBytes)
      const stranger = await person()
      expect((await call(api, "GET", `/api/v1/uploads/${up.body.id}`, { token: stranger.token })).body).toMatchObject({
        status: 404,
        code: "UPLOAD.NOT_FOUND"
      })
    }
    const pdf = await uploadFile(me.token, tinyPdf(), "application/pdf")
    expect((await download(me.token, pdf.body.id)).bytes).toEqual(new Uint8Array(tinyPdf()))
    expect(await audit(pdf.body.id)).toEqual([{ actor_kind: "USER", actor_id: me.id, actor_role: null, action: "UPLOAD.STORE" }])
    expect(await events(pdf.body.id)).toEqual([{ event_type: "UPLOAD_STORED" }])
  })

  it("refuses empty, NUL, oversized, mislabelled, unsupported and malformed files with a clear 4xx, storing nothing", async () => {
    const me = await person()
    const before = (await db.sql`select count(*)::int as n from uploads`)[0]!["n"]
    expect((await uploadFile(me.token, new Uint8Array(), "image/png")).body).toMatchObject({ status: 400, code: "UPLOAD.EMPTY" })
    expect((await uploadFile(me.token, new Uint8Array(64), "image/png")).body).toMatchObject({ status: 415, code: "UPLOAD.TYPE_UNSUPPORTED" })
    expect((await uploadFile(me.token, Buffer.from("GIF89a...."), "image/gif")).body).toMatchObject({ status: 415, code: "UPLOAD.TYPE_UNSUPPORTED" })
    expect((await uploadFile(me.token, Buffer.from("<svg/>"), "image/png")).body).toMatchObject({ status: 415, code: "UPLOAD.TYPE_UNSUPPORTED" })
    expect((await uploadFile(me.token, jpegWithExif(), "image/png")).body).toMatchObject({ status: 415, code: "UPLOAD.TYPE_MISMATCH" })
    expect((await uploadFile(me.token, pngWithText(), "application/json")).body).toMatchObject({ status: 415, code: "UPLOAD.TYPE_MISMATCH" })
    expect((await uploadFile(me.token, jpegWithExif().subarray(0, 30), "image/jpeg")).body).toMatchObject({ status: 422, code: "UPLOAD.MALFORMED" })
    const big = Buffer.concat([jpegWithExif(), Buffer.alloc(MAX_UPLOAD_BYTES)])
    expect((await uploadFile(me.token, big, "image/jpeg")).body).toMatchObject({ status: 413, code: "REQUEST.TOO_LARGE" })
    expect((await call(api, "POST", "/api/v1/uploads", { raw: tinyPdf(), headers: { "content-type": "application/pdf" } })).status).toBe(401)
    expect((await db.sql`select count(*)::int as n from uploads`)[0]!["n"]).toBe(before)
  })
})

describe("KYC", () => {
  it("submitted with the owner's own uploads; rejected by an admin, resubmitted back to PENDING; audited each time", async () => {
    const me = await person()
    const store = (await open(me.token)).body
    const id = (await uploadFile(me.token, jpegWithExif(), "image/jpeg")).body.id
    const permit = (await uploadFile(me.token, tinyPdf(), "application/pdf")).body.id
    const someoneElses = (await uploadFile((await person()).token, tinyPdf(), "application/pdf")).body.id
    const kyc = { idType: "NATIONAL_ID", idNumber: "2345 6789", kraPin: "A123456789B", businessPermitNumber: "NCC/2026/1234", documentIds: [id, permit] }
    expect((await call(api, "PUT", "/api/v1/seller/store/kyc", { token: me.token, body: { ...kyc, documentIds: [id, someoneElses] } })).body).toMatchObject({
      status: 422,
      code: "UPLOAD.UNKNOWN"
    })
    expect((await call(api, "PUT", "/api/v1/seller/store/kyc", { token: me.token, body: { ...kyc, idNumber: "12" } })).body).toMatchObject({
      status: 422,
      code: "KYC.INVALID"
    })
    expect(
      (await call(api, "PUT", "/api/v1/seller/store/kyc", { token: me.token, body: { ...kyc, idType: "PASSPORT", idNumber: "23456789" } })).body
    ).toMatchObject({ status: 422, code: "KYC.INVALID" })
    const submitted = await call(api, "PUT", "/api/v1/seller/store/kyc", { token: me.token, body: kyc })
    expect(submitted.body).toMatchObject({ kycState: "PENDING", kyc: { idType: "NATIONAL_ID", idNumber: "23456789", documentIds: [id, permit] } })
    await api.runtime.runPromise(decideSeller(admin, { storeId: StoreId.make(store.id), decision: "REJECT", reason: "the ID photo is blurred" }))
    expect((await call(api, "GET", "/api/v1/seller/store", { token: me.token })).body).toMatchObject({
      kycState: "REJECTED",
      kycReason: "the ID photo is blurred"
    })
    const again = await call(api, "PUT", "/api/v1/seller/store/kyc", { token: me.token, body: { ...kyc, businessPermitNumber: undefined } })
    expect(again.body.kycState).toBe("PENDING")
    expect(again.body.kycReason).toBeUndefined()
    await verifyKyc(store.id)
    expect((await call(api, "PUT", "/api/v1/seller/store/kyc", { token: me.token, body: kyc })).body).toMatchObject({
      status: 409,
      code: "KYC.NOT_SUBMITTABLE"
    })
    expect((await audit(store.id)).map((a) => a.action)).toEqual(["STORE.OPEN", "STORE.KYC_SUBMIT", "SELLER.REJECT", "STORE.KYC_SUBMIT", "SELLER.VERIFY"])
    expect((await events(store.id)).map((e) => e.event_type)).toEqual([
      "STORE_OPENED",
      "SELLER_KYC_SUBMITTED",
      "SELLER_KYC_REJECTED",
      "SELLER_KYC_SUBMITTED",
      "SELLER_KYC_VERIFIED"
    ])
  })
})

describe("payout destination", () => {
  it("changes only with a fresh code sent for this purpose (a login code does not do), once; audited; payouts held 24 h", async () => {
    const me = await person()
    const store = (await open(me.token)).body
    const put = (body: Record<string, unknown>) => call(api, "PUT", "/api/v1/seller/store/payout-method", { token: me.token, body })
    expect((await put({ method: "B2C", phone: me.phone, code: "123456" })).body).toMatchObject({ status: 403, code: "AUTH.STEP_UP_INVALID" })
    // a login code sent to the same phone is not a step-up code
    await call(api, "POST", "/api/v1/auth/otp", { body: { phone: me.phone } })
    const loginCode = await latestCodeFor(me.phone)
    expect((await put({ method: "B2C", phone: me.phone, code: loginCode })).body).toMatchObject({ status: 403, code: "AUTH.STEP_UP_INVALID" })

    expect((await call(api, "POST", "/api/v1/seller/store/payout-method/code", { token: me.token })).status).toBe(202)
    const inbox = await call(api, "GET", `/dev/messages?to=${me.phone}`)
    expect(inbox.body.items[0].template).toBe("step_up_code")
    const code = await latestCodeFor(me.phone)
    const before = Date.now()
    const changed = await put({ method: "PAYBILL", paybillNumber: "522522", accountRef: "DUKA 1", code })
    expect(changed.status).toBe(200)
    expect(changed.body.payoutMethod).toEqual({ method: "PAYBILL", paybillNumber: "522522", accountRef: "DUKA 1" })
    expect(changed.body.payoutsHeldUntil - changed.body.payoutMethodChangedAt).toBe(24 * 3_600_000)
    expect(changed.body.payoutMethodChangedAt).toBeGreaterThanOrEqual(before - 1_000)
    // spent: the same code does not change it again
    expect((await put({ method: "TILL", tillNumber: "123456", code })).body).toMatchObject({ status: 403, code: "AUTH.STEP_UP_INVALID" })
    const [row] = await db.sql`select payout_method, payout_paybill_number, payout_account_ref from stores where id = ${store.id}`
    expect(row).toEqual({ payout_method: "PAYBILL", payout_paybill_number: "522522", payout_account_ref: "DUKA 1" })
    const [entry] =
      await db.sql`select actor_id, actor_role, before, after from audit_log where entity_id = ${store.id} and action = 'STORE.PAYOUT_METHOD_CHANGE'`
    expect(entry).toEqual({
      actor_id: me.id,
      actor_role: "OWNER",
      before: null,
      after: { method: "PAYBILL", paybillNumber: "522522", accountRef: "DUKA 1" }
    })
    expect((await events(store.id)).map((e) => e.event_type)).toContain("STORE_PAYOUT_METHOD_CHANGED")
  })

  it("five wrong guesses burn the code", async () => {
    const me = await person()
    await open(me.token)
    await call(api, "POST", "/api/v1/seller/store/payout-method/code", { token: me.token })
    const code = await latestCodeFor(me.phone)
    const wrong = code === "000000" ? "111111" : "000000"
    for (let i = 0; i < 5; i++)
      expect(
        (await call(api, "PUT", "/api/v1/seller/store/payout-method", { token: me.token, body: { method: "B2C", phone: me.phone, code: wrong } })).status
      ).toBe(403)
    expect(
      (await call(api, "PUT", "/api/v1/seller/store/payout-method", { token: me.token, body: { method: "B2C", phone: me.phone, code } })).body
    ).toMatchObject({ status: 403, code: "AUTH.STEP_UP_INVALID" })
  })
})

describe("staff", () => {
  it("an OWNER invites by phone (a new phone becomes a user); STAFF run products, stock and orders but get 403 on money, staff and webhooks", async () => {
    const owner = await person()
    const store = (await open(owner.token)).body
    const phone = randomPhone()
    const invited = await call(api, "POST", "/api/v1/seller/staff", { token: owner.token, body: { phone: `0${phone.slice(3)}`, role: "STAFF" } })
    expect(invited.status).toBe(201)
    expect(invited.body).toMatchObject({ phone, role: "STAFF" })
    const [user] = await db.sql<Array<{ id: string; roles: Array<string> }>>`select id, roles from users where phone = ${phone}`
    expect(user!.roles).toEqual(expect.arrayContaining(["BUYER", "SELLER_STAFF"]))
    const staff = await sessionFor(db.sql, user!.id)
    // the invited person is told by WhatsApp (dev inbox) once the event is handled
    expect(await drainOutbox(api, db.sql)).toEqual([])
    const told = (await call(api, "GET", `/dev/messages?to=${phone}&limit=100`)).body.items.filter(
      (m: { template: string }) => m.template === "store_staff_added"
    )
    expect(told.map((m: { params: Array<string> }) => m.params)).toEqual([[store.name, "staff"]])
    expect(told[0].text).toContain(`Your role in ${store.name} on Amana is now staff.`)

    // what staff may do
    const product = await call(api, "POST", "/api/v1/seller/products", {
      token: staff,
      body: { title: "Kiondo", basePrice: { amount: 900_00, currency: "KES" }, variants: [{ sku: `KIO-${process.pid}-${Date.now()}`, weightGrams: 400 }] }
    })
    expect(product.status).toBe(201)
    expect((await call(api, "PUT", `/api/v1/seller/inventory/${product.body.variants[0].id}`, { token: staff, body: { onHand: 3 } })).status).toBe(200)
    expect((await call(api, "GET", "/api/v1/seller/orders", { token: staff })).status).toBe(200)
    const seen = (await call(api, "GET", "/api/v1/seller/store", { token: staff })).body
    expect(seen.role).toBe("STAFF")
    expect(seen.kyc).toBeUndefined()
    expect(seen.payoutMethod).toBeUndefined()

    // what staff may not
    const forbidden: ReadonlyArray<[string, string, unknown?]> = [
      ["POST", "/api/v1/seller/store/payout-method/code"],
      ["PUT", "/api/v1/seller/store/payout-method", { method: "B2C", phone, code: "123456" }],
      ["PUT", "/api/v1/seller/store/kyc", { idType: "PASSPORT", idNumber: "AK123456", kraPin: "A123456789B", documentIds: ["upl_x"] }],
      ["GET", "/api/v1/seller/staff"],
      ["POST", "/api/v1/seller/staff", { phone: randomPhone(), role: "OWNER" }],
      ["DELETE", `/api/v1/seller/staff/${owner.id}`],
      ["PUT", "/api/v1/seller/webhook", { url: "https://hooks.example.com/amana" }],
      ["GET", "/api/v1/seller/webhook"],
      ["DELETE", "/api/v1/seller/webhook"],
      ["GET", "/api/v1/seller/statement"]
    ]
    for (const [method, path, body] of forbidden)
      expect((await call(api, method, path, { token: staff, ...(body !== undefined && { body }) })).body, `${method} ${path}`).toMatchObject({
        status: 403,
        code: "SELLER.OWNER_ONLY"
      })
    expect(await db.sql`select 1 from stores where id = ${store.id} and payout_method is not null`).toHaveLength(0)

    // removal: the member is gone, and so is their seller role
    expect((await call(api, "DELETE", `/api/v1/seller/staff/${user!.id}`, { token: owner.token })).status).toBe(204)
    expect((await call(api, "GET", "/api/v1/seller/products", { token: staff })).body).toMatchObject({ status: 403, code: "SELLER.NO_STORE" })
    const [after] = await db.sql<Array<{ roles: Array<string> }>>`select roles from users where id = ${user!.id}`
    expect(after!.roles).toEqual(["BUYER"])
    expect((await call(api, "DELETE", `/api/v1/seller/staff/${user!.id}`, { token: owner.token })).body).toMatchObject({ status: 404, code: "STAFF.NOT_FOUND" })
    expect((await audit(store.id)).map((a) => a.action)).toEqual(["STORE.OPEN", "STORE.STAFF_ADD", "STORE.STAFF_REMOVE"])
    expect((await events(store.id)).map((e) => e.event_type)).toEqual(["STORE_OPENED", "STORE_MEMBER_ADDED", "STORE_MEMBER_REMOVED"])
  })

  it("the last OWNER can be neither removed nor made STAFF; with a second OWNER, either can go; a member of another store cannot be added", async () => {
    const owner = await person()
    await open(owner.token)
    expect((await call(api, "DELETE", `/api/v1/seller/staff/${owner.id}`, { token: owner.token })).body).toMatchObject({
      status: 409,
      code: "STAFF.LAST_OWNER"
    })
    expect((await call(api, "POST", "/api/v1/seller/staff", { token: owner.token, body: { phone: owner.phone, role: "STAFF" } })).body).toMatchObject({
      status: 409,
      code: "STAFF.LAST_OWNER"
    })
    expect((await call(api, "POST", "/api/v1/seller/staff", { token: owner.token, body: { phone: shop.seller.phone, role: "STAFF" } })).body).toMatchObject({
      status: 409,
      code: "STORE.ALREADY_MEMBER"
    })
    const partner = await person()
    // making an OWNER takes a fresh code to the acting owner's phone (tests/security/owner-step-up.test.ts)
    expect((await call(api, "POST", "/api/v1/seller/staff/owner-code", { token: owner.token })).status).toBe(202)
    const ownerCode = await latestCodeFor(owner.phone)
    expect(
      (await call(api, "POST", "/api/v1/seller/staff", { token: owner.token, body: { phone: partner.phone, role: "OWNER", code: ownerCode } })).status
    ).toBe(201)
    // someone removed before the worker gets to the invitation is not told anything
    const fleeting = await person()
    expect((await call(api, "POST", "/api/v1/seller/staff", { token: owner.token, body: { phone: fleeting.phone, role: "STAFF" } })).status).toBe(201)
    expect((await call(api, "DELETE", `/api/v1/seller/staff/${fleeting.id}`, { token: owner.token })).status).toBe(204)
    expect(await drainOutbox(api, db.sql)).toEqual([])
    const templatesTo = async (p: string) =>
      (await call(api, "GET", `/dev/messages?to=${p}&limit=100`)).body.items.map((m: { template: string; params: Array<string> }) => [m.template, m.params[1]])
    expect(await templatesTo(partner.phone)).toContainEqual(["store_staff_added", "owner"])
    expect((await templatesTo(fleeting.phone)).filter(([t]: [string]) => t === "store_staff_added")).toEqual([])
    expect((await call(api, "DELETE", `/api/v1/seller/staff/${owner.id}`, { token: partner.token })).status).toBe(204)
    expect((await call(api, "GET", "/api/v1/seller/staff", { token: partner.token })).body.items).toEqual([
      expect.objectContaining({ userId: partner.id, role: "OWNER" })
    ])
  })
})

describe("archiving a product", () => {
  it("hides it from buyers and checkout, keeps it for orders, and is idempotent (audited once)", async () => {
    const seller = await sessionFor(db.sql, shop.seller.id)
    const buyer = await newBuyer(db.sql)
    const placed = await call(api, "POST", "/api/v1/checkouts", {
      token: buyer.token,
      headers: { "idempotency-key": `before-archive-${buyer.id}` },
      body: { destination: "KE-047-westlands", items: [{ variantId: shop.dress.variantId, quantity: 1 }] }
    })
    expect(placed.status).toBe(201)
    expect((await call(api, "GET", `/api/v1/products/${shop.dress.productId}`)).status).toBe(200)

    const archived = await call(api, "DELETE", `/api/v1/seller/products/${shop.dress.productId}`, { token: seller })
    expect(archived.body).toEqual({ productId: shop.dress.productId, archived: true })
    expect((await call(api, "DELETE", `/api/v1/seller/products/${shop.dress.productId}`, { token: seller })).status).toBe(200)

    expect((await call(api, "GET", `/api/v1/products/${shop.dress.productId}`)).status).toBe(404)
    const search = await call(api, "GET", "/api/v1/products?q=kitenge")
    expect(search.body.items.map((p: { id: string }) => p.id)).not.toContain(shop.dress.productId)
    const again = await call(api, "POST", "/api/v1/checkouts", {
      token: (await newBuyer(db.sql)).token,
      headers: { "idempotency-key": `after-archive-${buyer.id}` },
      body: { destination: "KE-047-westlands", items: [{ variantId: shop.dress.variantId, quantity: 1 }] }
    })
    expect(again.body).toMatchObject({ status: 422, code: "CHECKOUT.UNKNOWN_ITEM" })
    const listed = await call(api, "GET", "/api/v1/seller/products", { token: seller })
    expect(listed.body.items.map((p: { id: string }) => p.id)).not.toContain(shop.dress.productId)
    // the order placed before still names it
    const order = await call(api, "GET", `/api/v1/orders/${placed.body.orders[0].orderId}`, { token: buyer.token })
    expect(JSON.stringify(order.body)).toContain("Kitenge dress")
    expect((await audit(shop.dress.productId)).map((a) => a.action)).toEqual(["PRODUCT.ARCHIVE"])
    const shelved = await call(api, "GET", "/api/v1/seller/products?archived=true", { token: seller })
    expect(shelved.body.items.map((p: { id: string }) => p.id)).toEqual([shop.dress.productId])
    // restored: on sale again as it was (still VERIFIED), listed again, idempotent, audited once
    const restored = await call(api, "POST", `/api/v1/seller/products/${shop.dress.productId}/restore`, { token: seller })
    expect(restored.body).toEqual({ productId: shop.dress.productId, archived: false })
    expect((await call(api, "POST", `/api/v1/seller/products/${shop.dress.productId}/restore`, { token: seller })).status).toBe(200)
    expect((await call(api, "GET", `/api/v1/products/${shop.dress.productId}`)).body).toMatchObject({ id: shop.dress.productId, sellable: true })
    expect((await call(api, "GET", "/api/v1/seller/products", { token: seller })).body.items.map((p: { id: string }) => p.id)).toContain(shop.dress.productId)
    expect((await call(api, "GET", "/api/v1/seller/products?archived=true", { token: seller })).body.items).toEqual([])
    expect((await audit(shop.dress.productId)).map((a) => a.action)).toEqual(["PRODUCT.ARCHIVE", "PRODUCT.RESTORE"])
    expect((await events(shop.dress.productId)).map((e) => e.event_type)).toEqual(["PRODUCT_UPDATED", "PRODUCT_UPDATED"])
    // another store's product is not found
    const stranger = await person()
    await open(stranger.token)
    expect((await call(api, "DELETE", `/api/v1/seller/products/${shop.basket.productId}`, { token: stranger.token })).body).toMatchObject({
      status: 404,
      code: "PRODUCT.NOT_FOUND"
    })
    expect((await call(api, "POST", `/api/v1/seller/products/${shop.basket.productId}/restore`, { token: stranger.token })).body).toMatchObject({
      status: 404,
      code: "PRODUCT.NOT_FOUND"
    })
  })

  it("an archived product waiting for review leaves the back-office review queue (and the dashboard's count)", async () => {
    const seller = await sessionFor(db.sql, shop.seller.id)
    const draft = await call(api, "POST", "/api/v1/seller/products", {
      token: seller,
      body: {
        title: "Changed my mind",
        basePrice: { amount: 500_00, currency: "KES" },
        variants: [{ sku: `MIND-${process.pid}-${Date.now()}`, weightGrams: 100 }]
      }
    })
    expect(draft.body.state).toBe("PENDING_REVIEW")
    const read: Read = async (f) => await f(db.sql)
    const queued = async () => (await dashboardData(read)).review.products
    const before = await queued()
    expect(before).toBeGreaterThan(0)
    expect((await call(api, "DELETE", `/api/v1/seller/products/${draft.body.id}`, { token: seller })).status).toBe(200)
    expect(await queued()).toBe(before - 1)
  })
})

describe("the OpenAPI document", () => {
  it("describes the onboarding endpoints, the upload as a file body and the download as a file answer", async () => {
    const doc = (await call(api, "GET", "/api/openapi.json")).body
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/seller/stores",
        "/api/v1/seller/store",
        "/api/v1/seller/store/kyc",
        "/api/v1/seller/store/payout-method",
        "/api/v1/seller/store/payout-method/code",
        "/api/v1/seller/staff",
        "/api/v1/seller/staff/{userId}",
        "/api/v1/uploads",
        "/api/v1/uploads/{id}"
      ])
    )
    expect(doc.paths["/api/v1/seller/products/{id}"].delete.summary).toContain("Archive")
    const post = doc.paths["/api/v1/uploads"].post
    expect(Object.keys(post.requestBody.content)).toEqual(["image/jpeg", "image/png", "image/webp", "application/pdf"])
    expect(post.requestBody.content["image/png"].schema).toEqual({ type: "string", format: "binary" })
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(["201", "413", "415", "422"]))
    expect(doc.paths["/api/v1/uploads/{id}"].get.responses["200"].content["application/pdf"].schema.format).toBe("binary")
  })
})
