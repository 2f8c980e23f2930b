/**
 * One store per person (docs/decisions.md, seller onboarding): the API acts for "the caller's store",
 * so a person in two stores would act for whichever it picks. The rule is checked before the
 * membership is written; two requests at once (a double tap on "open my store", two owners inviting
 * the same phone) must not both pass the check.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { call, randomPhone, seedShop, sessionFor, startApi } from "../api/support.js"
import type { Api } from "../api/support.js"
import { insertUser } from "../../adapters/postgres/seed.js"

const db = useTestDatabase()
let api: Api
const CATEGORY = "cat_one_store_race"

beforeAll(async () => {
  api = await startApi(db.sql)
  await db.sql`insert into categories (id, name, slug) values (${CATEGORY}, 'Fashion', 'fashion-one-store-race') on conflict do nothing`
})
afterAll(async () => {
  await api.close()
})

let n = 0
const storesOf = async (userId: string) => (await db.sql`select store_id from store_members where user_id = ${userId}`).length

describe("one store per person, under concurrency", () => {
  it("three 'open my store' at once: one store, the others 409 STORE.ALREADY_MEMBER", async () => {
    for (let round = 0; round < 5; round++) {
      const id = `usr_race_${process.pid}_${++n}_${Date.now()}`
      await insertUser(db.sql, { id, phone: randomPhone() })
      const token = await sessionFor(db.sql, id)
      const open = (k: number) =>
        call(api, "POST", "/api/v1/seller/stores", {
          token,
          body: {
            name: "Duka",
            slug: `race-${n}-${k}-${Date.now() % 100_000}`,
            mainCategoryId: CATEGORY,
            locationId: "KE-047-westlands",
            contactPhone: "0711222333"
          }
        })
      const answers = await Promise.all([open(1), open(2), open(3)])
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409])
      expect(await storesOf(id)).toBe(1)
    }
  })

  it("two stores inviting the same person at once: they join one", async () => {
    for (let round = 0; round < 5; round++) {
      const [a, b] = [await seedShop(db.sql, { promotions: false }), await seedShop(db.sql, { promotions: false })]
      const [ta, tb] = [await sessionFor(db.sql, a.seller.id), await sessionFor(db.sql, b.seller.id)]
      const phone = randomPhone()
      await insertUser(db.sql, { id: `usr_invitee_${process.pid}_${++n}_${Date.now()}`, phone })
      const answers = await Promise.all([ta, tb].map((token) => call(api, "POST", "/api/v1/seller/staff", { token, body: { phone, role: "STAFF" } })))
      expect(answers.map((x) => x.status).sort()).toEqual([201, 409])
      const user = await db.sql`select id from users where phone = ${phone}`
      expect(await storesOf(String(user[0]!["id"]))).toBe(1)
    }
  })
})
