/**
 * A checkout from the cart reads the cart at its start and closes it with its writes. What happens
 * to the cart in between must not be lost or bought twice:
 * - a second checkout of the same cart under another Idempotency-Key (a client that makes a key per
 *   tap) placed a second checkout of the same goods: one after the other, the second is CART.EMPTY,
 *   so at the same time it must be too;
 * - a line the buyer added after the checkout read the cart was closed into the checked-out cart:
 *   neither bought nor left in a cart. The checkout reads the cart again and buys what it holds.
 */
import { Effect, Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cartItems } from "../../application/cart/checkout-cart.js"
import { addToCart } from "../../application/cart/cart.js"
import { CheckoutStore } from "../../application/checkout/checkout.port.js"
import { placeCheckoutOf } from "../../application/checkout/place-checkout.js"
import { EpochMillis, LocationId, VariantId } from "../../domain/ids.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, newBuyer, seedShop, startApi } from "../api/support.js"
import type { Api } from "../api/support.js"

const db = useTestDatabase()
let api: Api
let a: Awaited<ReturnType<typeof seedShop>>
let b: Awaited<ReturnType<typeof seedShop>>

beforeAll(async () => {
  a = await seedShop(db.sql)
  b = await seedShop(db.sql, { promotions: false })
  api = await startApi(db.sql)
}, 60_000)
afterAll(async () => {
  await api?.close()
})

const checkoutBody = { destination: "KE-047-westlands" }

const buyerWithCart = async (variantIds: ReadonlyArray<string>) => {
  const buyer = await newBuyer(db.sql)
  for (const variantId of variantIds) {
    const added = await call(api, "POST", "/api/v1/cart/items", { token: buyer.token, body: { variantId } })
    expect(added.status, JSON.stringify(added.body)).toBe(201)
  }
  return buyer
}

/** The buyer's checkout from the cart under `key`, with `between` run (once) after it read the cart and before it writes. */
const checkoutWith = (buyer: Awaited<ReturnType<typeof newBuyer>>, key: string, between: () => Promise<void>) => {
  let done = false
  const request = { buyerId: buyer.id, idempotencyKey: key, destination: LocationId.make("KE-047-westlands"), payerPhone: buyer.phone, fromCart: true }
  return api.runtime.runPromise(
    Effect.gen(function* () {
      const cart = yield* cartItems(buyer.id)
      const load = Effect.tap(cart.load, () =>
        done
          ? Effect.void
          : Effect.promise(async () => {
              done = true
              await between()
            })
      )
      return yield* Effect.either(placeCheckoutOf(request, { load }))
    })
  )
}

describe("a checkout from the cart while the cart changes", () => {
  it("the same cart checked out twice at once under two keys: one checkout; the other is CART.EMPTY, as it is one after the other", async () => {
    const buyer = await buyerWithCart([a.dress.variantId, b.basket.variantId])
    let first: Awaited<ReturnType<typeof call>> | undefined
    const second = await checkoutWith(buyer, `second-${buyer.id}`, async () => {
      first = await call(api, "POST", "/api/v1/checkouts", { token: buyer.token, headers: { "idempotency-key": `first-${buyer.id}` }, body: checkoutBody })
    })
    expect(first?.status, JSON.stringify(first?.body)).toBe(201)
    expect(Either.isLeft(second) && second.left._tag, JSON.stringify(second)).toBe("CartEmpty")
    const [{ n }] = (await db.sql`select count(*)::int as n from checkouts where buyer_id = ${buyer.id}`) as unknown as [{ n: number }]
    expect(n).toBe(1)
    const [{ reserved }] = (await db.sql`
      select coalesce(sum(r.quantity), 0)::int as reserved from inventory_reservations r join checkouts c on c.id = r.checkout_id
       where c.buyer_id = ${buyer.id} and r.state = 'RESERVED'`) as unknown as [{ reserved: number }]
    expect(reserved).toBe(2)
  })

  it("a line added to the cart after the checkout read it is bought with the rest, not closed into the checked-out cart", async () => {
    const buyer = await buyerWithCart([a.dress.variantId])
    const placed = await checkoutWith(buyer, `edit-${buyer.id}`, async () => {
      const added = await call(api, "POST", "/api/v1/cart/items", { token: buyer.token, body: { variantId: b.basket.variantId } })
      expect(added.status, JSON.stringify(added.body)).toBe(201)
    })
    expect(Either.isRight(placed), JSON.stringify(placed)).toBe(true)
    const lines = await db.sql<Array<{ variant_id: string }>>`
      select l.variant_id from order_lines l join orders o on o.id = l.order_id where o.checkout_id = ${Either.getOrThrow(placed).checkoutId} order by l.variant_id`
    expect(lines.map((l) => l.variant_id).sort()).toEqual([a.dress.variantId, b.basket.variantId].sort())
    // and nothing is left behind in an open cart
    expect((await call(api, "GET", "/api/v1/cart", { token: buyer.token })).body.lines).toEqual([])
  })

  it("a line added from a cart read before a checkout closed it lands in a new cart, not in the checked-out one", async () => {
    const buyer = await buyerWithCart([a.dress.variantId])
    const owner = { _tag: "Buyer" as const, buyerId: buyer.id }
    const basket = VariantId.make(b.basket.variantId)
    // the add's read: the cart still ACTIVE
    const now = Date.now()
    const pricing = await api.runtime.runPromise(Effect.flatMap(CheckoutStore, (c) => c.loadCartPricing(owner, [basket], buyer.id, now, undefined)))
    // the checkout closes the cart before the add writes
    const placed = await call(api, "POST", "/api/v1/checkouts", { token: buyer.token, headers: { "idempotency-key": `add-${buyer.id}` }, body: checkoutBody })
    expect(placed.status, JSON.stringify(placed.body)).toBe(201)
    const added = await api.runtime.runPromise(addToCart(owner, basket, 1, {}, { now: EpochMillis.make(now), pricing, asked: new Set([basket]) }))
    expect(added.lines.map((l) => l.variantId)).toEqual([basket])
    // the buyer finds it in their cart
    const cart = await call(api, "GET", "/api/v1/cart", { token: buyer.token })
    expect(cart.body.lines.map((l: { variantId: string }) => l.variantId)).toEqual([basket])
  })

  it("an edit still running when the checkout closes the cart: the checkout waits for it and buys the cart with it", async () => {
    const buyer = await buyerWithCart([a.dress.variantId])
    const [open] = await db.sql<Array<{ id: string }>>`select id from carts where buyer_id = ${buyer.id} and state = 'ACTIVE'`
    const cartId = open!.id
    // what CartStore.setQuantity does in one statement, held open: the cart touched (its row locked), a line written
    let release: () => void = () => undefined
    const held = new Promise<void>((done) => (release = done))
    let locked: () => void = () => undefined
    const isLocked = new Promise<void>((done) => (locked = done))
    const edit = db.owner.begin(async (tx) => {
      await tx`update carts set updated_at = now() where id = ${cartId} and state = 'ACTIVE'`
      await tx`insert into cart_items (cart_id, variant_id, quantity) values (${cartId}, ${b.basket.variantId}, 1)`
      locked()
      await held
    })
    await isLocked
    const placing = call(api, "POST", "/api/v1/checkouts", { token: buyer.token, headers: { "idempotency-key": `inflight-${buyer.id}` }, body: checkoutBody })
    // the checkout has read the cart (without the edit's line) and waits on the cart's row to close it
    await new Promise((done) => setTimeout(done, 500))
    release()
    await edit
    const placed = await placing
    expect(placed.status, JSON.stringify(placed.body)).toBe(201)
    const lines = await db.sql<Array<{ variant_id: string }>>`
      select l.variant_id from order_lines l join orders o on o.id = l.order_id where o.checkout_id = ${placed.body.checkoutId as string}`
    expect(lines.map((l) => l.variant_id).sort()).toEqual([a.dress.variantId, b.basket.variantId].sort())
  })
})
