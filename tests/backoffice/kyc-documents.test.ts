/**
 * The KYC review shows a seller's submitted documents, served through the admin session
 * (/admin/uploads/:id) to roles that review sellers; FINANCE, AUDITOR and strangers are refused.
 */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createAdminUser } from "../../application/admin/admin-accounts.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import type { AdminUserId } from "../../domain/ids.js"
import { insertUser } from "../../adapters/postgres/seed.js"
import { ensureFirstAdmin } from "../../backoffice/first-admin.js"
import { AdminBrowser } from "../support/admin-browser.js"
import { useTestDatabase } from "../support/test-database.js"
import { contains, GPS_SECRET, jpegWithExif, tinyPdf } from "../support/upload-files.js"
import { call, randomPhone, sessionFor, startApi } from "../api/support.js"
import type { Api } from "../api/support.js"

const db = useTestDatabase()
const ADMIN = { email: "kyc-root@amana.test", password: "a-long-enough-password-7" }
const REVIEWER = { email: "kyc-reviewer@amana.test", password: "a-long-enough-password-8" }
const FINANCE = { email: "kyc-finance@amana.test", password: "a-long-enough-password-9" }
let api: Api
let dir = ""
let storeId = ""
let files: { jpeg: string; pdf: string }
let sellerToken = ""

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "amana-kyc-"))
  process.env["UPLOADS_DIR"] = dir
  api = await startApi(db.sql)
  await ensureFirstAdmin(api.runtime, { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password }, () => undefined)
  const [first] = await db.sql<Array<{ id: AdminUserId }>>`select id from admin_users where email = ${ADMIN.email}`
  const root: AdminActor = { id: first!.id, email: ADMIN.email, role: "PLATFORM_ADMIN" }
  await api.runtime.runPromise(Effect.asVoid(createAdminUser(root, { ...REVIEWER, role: "CATALOG_REVIEWER" })))
  await api.runtime.runPromise(Effect.asVoid(createAdminUser(root, { ...FINANCE, role: "FINANCE" })))
  await db.sql`insert into categories (id, name, slug) values ('cat_kyc_test', 'Crafts', 'crafts-kyc') on conflict do nothing`
  // a seller opens a store and submits KYC with a photo and a PDF, all over the API
  await insertUser(db.sql, { id: "usr_kyc_seller", phone: randomPhone() })
  sellerToken = await sessionFor(db.sql, "usr_kyc_seller")
  const opened = await call(api, "POST", "/api/v1/seller/stores", {
    token: sellerToken,
    body: {
      name: "Shanga Beads",
      slug: `shanga-${Date.now() % 1e6}`,
      mainCategoryId: "cat_kyc_test",
      locationId: "KE-047-westlands",
      contactPhone: "0722000999"
    }
  })
  storeId = opened.body.id
  const up = (bytes: Uint8Array, type: string) => call(api, "POST", "/api/v1/uploads", { token: sellerToken, raw: bytes, headers: { "content-type": type } })
  files = { jpeg: (await up(jpegWithExif(), "image/jpeg")).body.id, pdf: (await up(tinyPdf(), "application/pdf")).body.id }
  const kyc = await call(api, "PUT", "/api/v1/seller/store/kyc", {
    token: sellerToken,
    body: { idType: "NATIONAL_ID", idNumber: "12345678", kraPin: "A123456789B", documentIds: [files.jpeg, files.pdf] }
  })
  expect(kyc.status).toBe(200)
})
afterAll(async () => {
  await api?.close()
  delete process.env["UPLOADS_DIR"]
  await rm(dir, { recursive: true, force: true })
})

describe("KYC documents in the back-office", () => {
  it("the seller's review record lists the documents with back-office links; a reviewer opens each, metadata stripped", async () => {
    const reviewer = await new AdminBrowser(api.url).login(REVIEWER)
    const shown = await reviewer.send("GET", `/admin/api/resources/sellers/records/${storeId}/show`)
    expect(shown.status).toBe(200)
    const listed = JSON.parse(shown.json.record.params.kyc_files as string) as Array<{ id: string; contentType: string; url: string }>
    expect(listed.map((f) => [f.id, f.contentType, f.url])).toEqual([
      [files.jpeg, "image/jpeg", `/admin/uploads/${files.jpeg}`],
      [files.pdf, "application/pdf", `/admin/uploads/${files.pdf}`]
    ])
    const photo = await fetch(`${api.url}${listed[0]!.url}`, { headers: { cookie: reviewer.cookie } })
    expect(photo.status).toBe(200)
    expect(photo.headers.get("content-type")).toBe("image/jpeg")
    expect(photo.headers.get("cache-control")).toBe("private, no-store")
    expect(contains(new Uint8Array(await photo.arrayBuffer()), GPS_SECRET)).toBe(false)
    const pdf = await fetch(`${api.url}${listed[1]!.url}`, { headers: { cookie: reviewer.cookie } })
    expect(new Uint8Array(await pdf.arrayBuffer())).toEqual(new Uint8Array(tinyPdf()))
  })

  it("FINANCE is refused, a visitor without a session is refused, an unknown or malformed id is a 4xx", async () => {
    const finance = await new AdminBrowser(api.url).login(FINANCE)
    const refused = await fetch(`${api.url}/admin/uploads/${files.jpeg}`, { headers: { cookie: finance.cookie } })
    expect(refused.status).toBe(403)
    expect(refused.headers.get("content-type")).toContain("application/problem+json")
    expect((await fetch(`${api.url}/admin/uploads/${files.jpeg}`)).status).toBe(401)
    const admin = await new AdminBrowser(api.url).login(ADMIN)
    for (const [id, status] of [
      ["upl_nope", 404],
      ["..%2F..%2Fetc", 404],
      ["a%00b", 400]
    ] as const)
      expect((await fetch(`${api.url}/admin/uploads/${id}`, { headers: { cookie: admin.cookie } })).status, id).toBe(status)
  })

  it("the API never serves a seller's document to anyone else", async () => {
    await insertUser(db.sql, { id: "usr_kyc_other", phone: randomPhone() })
    const other = await sessionFor(db.sql, "usr_kyc_other")
    expect((await call(api, "GET", `/api/v1/uploads/${files.jpeg}`, { token: other })).status).toBe(404)
    expect((await call(api, "GET", `/api/v1/uploads/${files.jpeg}`, { token: sellerToken })).status).toBe(200)
  })
})
