/**
 * `SEED_DEMO=0 npm start`: the platform starts with an empty marketplace (no demo stores, users,
 * products, zones, riders or incentives; the geography reference data from the migrations stays),
 * and the first back-office admin (ADMIN_EMAIL / ADMIN_PASSWORD) can log in.
 */
import { afterAll, describe, expect, it } from "vitest"
import { repoRoot } from "../../adapters/postgres/paths.js"
import { startPlatform } from "../support/platform-process.js"
import type { PlatformProcess } from "../support/platform-process.js"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase()
const ADMIN = { email: "founder@amana.test", password: "from-nothing-2026-kisumu" }
let platform: PlatformProcess | undefined
afterAll(async () => {
  await platform?.stop(10_000)
})

describe("SEED_DEMO=0", () => {
  it("starts an empty marketplace with the geography and a first admin who can log in", { timeout: 240_000 }, async () => {
    platform = await startPlatform(repoRoot, {
      DATABASE_URL: db.ownerUrl,
      REDIS_URL: undefined,
      NODE_ENV: "development",
      SEED_DEMO: "0",
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      LOGISTICS_PARTNER_URL: undefined,
      WHATSAPP_TOKEN: undefined
    })
    expect(platform.output()).toContain("starting with an empty marketplace")
    const [counts] = await db.owner`
      select (select count(*)::int from stores) as stores, (select count(*)::int from products) as products,
             (select count(*)::int from users) as users, (select count(*)::int from shipping_zones) as zones,
             (select count(*)::int from riders) as riders, (select count(*)::int from promotions) as promotions,
             (select count(*)::int from discount_codes) as codes,
             (select count(*)::int from locations where kind = 'COUNTY') as counties, (select count(*)::int from admin_users) as admins`
    expect(counts).toEqual({ stores: 0, products: 0, users: 0, zones: 0, riders: 0, promotions: 0, codes: 0, counties: 47, admins: 1 })
    const products = (await (await fetch(`${platform.baseUrl}/api/v1/products`)).json()) as { items: Array<unknown> }
    expect(products.items).toEqual([])

    const page = await fetch(`${platform.baseUrl}/admin/login`)
    const cookie = page.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ")
    const token = /name="amana-csrf" content="([^"]+)"/.exec(await page.text())?.[1] ?? ""
    const login = await fetch(`${platform.baseUrl}/admin/login`, {
      method: "POST",
      headers: { cookie, origin: platform.baseUrl, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ ...ADMIN, _csrf: token }).toString(),
      redirect: "manual"
    })
    expect(login.status).toBe(302)
    expect(login.headers.get("location")).toBe("/admin")
  })
})
