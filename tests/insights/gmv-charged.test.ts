/**
 * The read models' money agrees with what M-Pesa took and gave back (issue 15 review): GMV is what
 * buyers were charged for their paid orders (each order's whole-shilling share of the charge, as the
 * ledger credits escrow), so an order refunded in full leaves GMV minus refunds at zero. Worked case:
 * a basket of KES 1,200.50, 10% promotion (KES 120.05 off), KES 250 shipping = KES 1,330.45; M-Pesa
 * charges whole shillings, KES 1,330 (the platform absorbs 45 cents); the seller rejects it and the
 * buyer gets KES 1,330 back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { dispatchEvent } from "../../adapters/postgres/worker.js"
import { INSIGHT_EVENTS, rebuildReadModels } from "../../application/insights/read-models.js"
import { transitionOrder } from "../../application/orders/transition-order.js"
import { handlers, READ_MODELS_HANDLER } from "../../composition/event-handlers.js"
import { OrderId, UserId } from "../../domain/ids.js"
import { useTestDatabase } from "../support/test-database.js"
import { checkoutOneBasket, seedShop, startApi } from "../api/support.js"
import type { Api } from "../api/support.js"

const db = useTestDatabase()
let api: Api
let shop: Awaited<ReturnType<typeof seedShop>>
const readModels = handlers.filter((h) => h.name === READ_MODELS_HANDLER)

beforeAll(async () => {
  shop = await seedShop(db.sql)
  await db.sql`update products set base_price = ${1_200_50} where id = ${shop.basket.productId}`
  api = await startApi(db.sql)
})
afterAll(async () => {
  await api?.close()
})

const money = async (scope: string) =>
  (
    await db.sql<
      Array<{ gmv: string; refunded: string }>
    >`select sum(gmv)::bigint as gmv, sum(refunded)::bigint as refunded from insight_daily_money where scope = ${scope}`
  )[0]!

describe("read models and the charge", () => {
  it("KES 1,330.45 charged as KES 1,330 and refunded: GMV KES 1,330, refunded KES 1,330, for the store and the platform; the rebuild agrees", async () => {
    const c = await checkoutOneBasket(api, db.sql, shop, "gmv-charged")
    expect(c.charge).toBe(1_330_00)
    const move = (to: "PAID" | "CANCELLED", actor: Parameters<typeof transitionOrder>[0]["actor"]) =>
      api.runtime.runPromise(transitionOrder({ orderId: OrderId.make(c.orderId), to, actor }))
    await move("PAID", { kind: "SYSTEM", id: "mpesa-reconciler" })
    await move("CANCELLED", { kind: "SELLER", id: UserId.make(shop.seller.id) })
    const ids = await db.sql<Array<{ id: string }>>`select id from outbox where event_type = any(${INSIGHT_EVENTS as Array<string>}::text[]) order by seq`
    for (const { id } of ids) await api.runtime.runPromise(dispatchEvent(readModels, id, 1, 8))
    for (const scope of [shop.storeId, "*"]) expect(await money(scope)).toEqual({ gmv: 1_330_00, refunded: 1_330_00 })
    await api.runtime.runPromise(rebuildReadModels(READ_MODELS_HANDLER))
    for (const scope of [shop.storeId, "*"]) expect(await money(scope)).toEqual({ gmv: 1_330_00, refunded: 1_330_00 })
  })
})
