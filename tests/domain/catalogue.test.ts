import { Either, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  applyEdit,
  effectivePrice,
  isMaterialEdit,
  Product,
  sellability,
  StoreKycState,
  transitionProduct,
  transitionVerification,
  Variant,
  VerificationState,
  verificationTransitions,
  type Brand,
  type Listing,
  type ListingPatch,
  type NotSellableReason
} from "../../domain/catalogue.js"
import { CommissionRate } from "../../domain/commission.js"
import { BrandId, CategoryId, ProductId, StoreId, VariantId } from "../../domain/ids.js"
import * as Money from "../../domain/money.js"

const media = (n: number) => `https://cdn.amana.test/m/${n}.jpg`

const product = (state: VerificationState = "VERIFIED"): Product => ({
  id: ProductId.make("p1"),
  storeId: StoreId.make("s1"),
  brandId: BrandId.make("b1"),
  categoryId: CategoryId.make("c1"),
  title: "Kitenge maxi dress",
  description: "Hand-printed cotton",
  basePrice: Money.kes(2_500),
  media: [media(1), media(2)],
  state,
  ...(state === "REJECTED" ? { rejectionReason: "photos are blurry" } : {}),
  commissionRateBps: CommissionRate.make(1_000)
})

const variant = (id: string, attributes: Record<string, string>, override?: Money.Money): Variant => ({
  id: VariantId.make(id),
  productId: ProductId.make("p1"),
  sku: `SKU-${id}`,
  attributes,
  ...(override === undefined ? {} : { priceOverride: override }),
  weightGrams: 400
})

const v1 = variant("v1", { size: "M", colour: "red" }, Money.kes(3_000))
const v2 = variant("v2", { size: "L", colour: "red" })
const listing = (state: VerificationState = "VERIFIED"): Listing => ({ product: product(state), variants: [v1, v2] })

/** The edit catalogue: each change a seller can make, and whether it is material. Also the worked examples. */
const changes: ReadonlyArray<{ readonly what: string; readonly patch: ListingPatch; readonly material: boolean }> = [
  { what: "title unchanged", patch: { title: "Kitenge maxi dress" }, material: false },
  { what: "title changed", patch: { title: "Kitenge midi dress" }, material: true },
  { what: "description changed", patch: { description: "Now with pockets" }, material: false },
  { what: "base price unchanged (KES 2,500)", patch: { basePrice: Money.kes(2_500) }, material: false },
  { what: "base price KES 2,500 -> KES 2,600", patch: { basePrice: Money.kes(2_600) }, material: true },
  { what: "media reordered", patch: { media: [media(2), media(1)] }, material: false },
  { what: "a photo added", patch: { media: [media(1), media(2), media(3)] }, material: true },
  { what: "a photo removed", patch: { media: [media(1)] }, material: true },
  { what: "a photo replaced", patch: { media: [media(1), media(9)] }, material: true },
  { what: "brand changed", patch: { brandId: BrandId.make("b2") }, material: true },
  { what: "brand removed", patch: { brandId: null }, material: true },
  { what: "category changed", patch: { categoryId: CategoryId.make("c2") }, material: false },
  { what: "commission rate 10% -> 15%", patch: { commissionRateBps: CommissionRate.make(1_500) }, material: false },
  { what: "variants unchanged", patch: { variants: [v1, v2] }, material: false },
  { what: "a variant's weight changed", patch: { variants: [{ ...v1, weightGrams: 650 }, v2] }, material: false },
  { what: "a variant's SKU code changed", patch: { variants: [v1, { ...v2, sku: "SKU-L-RED" }] }, material: false },
  { what: "a variant removed", patch: { variants: [v1] }, material: false },
  {
    what: "a variant override KES 3,000 -> KES 3,100",
    patch: { variants: [{ ...v1, priceOverride: Money.kes(3_100) }, v2] },
    material: true
  },
  { what: "a variant override dropped (KES 3,000 -> base KES 2,500)", patch: { variants: [variant("v1", v1.attributes), v2] }, material: true },
  { what: "a variant override added (KES 2,800)", patch: { variants: [v1, variant("v2", v2.attributes, Money.kes(2_800))] }, material: true },
  { what: "a variant's size M -> XL", patch: { variants: [{ ...v1, attributes: { size: "XL", colour: "red" } }, v2] }, material: true },
  { what: "a new variant", patch: { variants: [v1, v2, variant("v3", { size: "S", colour: "red" })] }, material: true }
]

const edited = (result: ReturnType<typeof applyEdit>): Listing => Either.getOrThrow(result)

describe("verification transitions", () => {
  it.each([
    { from: "DRAFT", to: "PENDING_REVIEW", reason: undefined, ok: true },
    { from: "DRAFT", to: "VERIFIED", reason: undefined, ok: false },
    { from: "PENDING_REVIEW", to: "VERIFIED", reason: undefined, ok: true },
    { from: "PENDING_REVIEW", to: "REJECTED", reason: "counterfeit logo", ok: true },
    { from: "PENDING_REVIEW", to: "REJECTED", reason: "   ", ok: false },
    { from: "VERIFIED", to: "SUSPENDED", reason: undefined, ok: true },
    { from: "VERIFIED", to: "REJECTED", reason: "late objection", ok: false },
    { from: "REJECTED", to: "PENDING_REVIEW", reason: undefined, ok: true },
    { from: "REJECTED", to: "VERIFIED", reason: undefined, ok: false },
    { from: "SUSPENDED", to: "VERIFIED", reason: undefined, ok: true }
  ] as const)("$from -> $to ($reason): $ok", ({ from, to, reason, ok }) => {
    expect(Either.isRight(transitionVerification(from, to, reason))).toBe(ok)
  })

  it("an illegal transition names both states under a stable code", () => {
    const result = transitionVerification("DRAFT", "VERIFIED")
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left.code).toBe("CATALOGUE.ILLEGAL_TRANSITION")
      expect(result.left.message).toContain("DRAFT -> VERIFIED")
    }
  })

  it("a rejection keeps its trimmed reason; leaving REJECTED clears it", () => {
    const rejected = Either.getOrThrow(transitionProduct(product("PENDING_REVIEW"), "REJECTED", "  blurry photos "))
    expect(rejected).toMatchObject({ state: "REJECTED", rejectionReason: "blurry photos" })
    const resubmitted = Either.getOrThrow(transitionProduct(rejected, "PENDING_REVIEW"))
    expect(resubmitted.state).toBe("PENDING_REVIEW")
    expect("rejectionReason" in resubmitted).toBe(false)
  })

  const arbState = fc.constantFrom(...VerificationState.literals)
  const arbReason = fc.oneof(fc.constant(undefined), fc.constant(""), fc.constant(" \t "), fc.string())

  it("property: transitionVerification only ever yields pairs in the table (and every table pair with a valid reason succeeds)", () => {
    fc.assert(
      fc.property(arbState, arbState, arbReason, (from, to, reason) => {
        const result = transitionVerification(from, to, reason)
        const inTable = verificationTransitions[from].includes(to)
        const reasonOk = to !== "REJECTED" || (reason ?? "").trim() !== ""
        expect(Either.isRight(result)).toBe(inTable && reasonOk)
        if (Either.isRight(result)) expect(result.right.state).toBe(to)
        else expect(result.left._tag).toBe(inTable ? "RejectionReasonRequired" : "IllegalVerificationTransition")
      })
    )
  })

  it("property: REJECTED is never reached without a non-blank reason, on any walk through the states", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(arbState, arbReason), { maxLength: 30 }), (steps) => {
        let current = product("DRAFT")
        for (const [to, reason] of steps) {
          current = Either.getOrElse(transitionProduct(current, to, reason), () => current)
          if (current.state === "REJECTED") expect(current.rejectionReason?.trim()).toBeTruthy()
          else expect(current.rejectionReason).toBeUndefined()
          expect(Either.isRight(Schema.validateEither(Product)(current))).toBe(true)
        }
      })
    )
  })
})

describe("schemas", () => {
  const encoded = (over: Record<string, unknown>) => ({ ...Schema.encodeSync(Product)(product()), ...over })

  it.each([
    { what: "a valid product", over: {}, ok: true },
    { what: "REJECTED without a reason", over: { state: "REJECTED" }, ok: false },
    { what: "a reason while VERIFIED", over: { rejectionReason: "stale" }, ok: false },
    { what: "an http media URL", over: { media: ["http://cdn.amana.test/1.jpg"] }, ok: false },
    { what: "a zero price", over: { basePrice: { amount: 0, currency: "KES" } }, ok: false },
    { what: "a 60% commission", over: { commissionRateBps: 6_000 }, ok: false },
    { what: "a blank title", over: { title: "  " }, ok: false }
  ])("Product: $what -> $ok", ({ over, ok }) => {
    expect(Either.isRight(Schema.decodeUnknownEither(Product)(encoded(over)))).toBe(ok)
  })

  it.each([
    { what: "a valid variant", over: {}, ok: true },
    { what: "zero grams", over: { weightGrams: 0 }, ok: false },
    { what: "fractional grams", over: { weightGrams: 12.5 }, ok: false },
    { what: "a non-string attribute", over: { attributes: { size: 42 } }, ok: false }
  ])("Variant: $what -> $ok", ({ over, ok }) => {
    expect(Either.isRight(Schema.decodeUnknownEither(Variant)({ ...Schema.encodeSync(Variant)(v1), ...over }))).toBe(ok)
  })
})

describe("effective price", () => {
  it.each([
    { what: "variant override KES 3,000 over base KES 2,500", v: v1, expected: "KES 3,000.00" },
    { what: "no override: base KES 2,500", v: v2, expected: "KES 2,500.00" }
  ])("$what", ({ v, expected }) => {
    expect(Money.format(effectivePrice(product(), v))).toBe(expected)
  })
})

describe("edits", () => {
  it.each(changes)("VERIFIED, $what: material $material", ({ patch, material }) => {
    const after = edited(applyEdit(listing(), patch))
    expect(isMaterialEdit(listing(), after)).toBe(material)
    expect(after.product.state).toBe(material ? "PENDING_REVIEW" : "VERIFIED")
  })

  it("a material edit of a REJECTED product resubmits it and drops the old reason", () => {
    const after = edited(applyEdit(listing("REJECTED"), { title: "Kitenge midi dress" }))
    expect(after.product.state).toBe("PENDING_REVIEW")
    expect(after.product.rejectionReason).toBeUndefined()
  })

  it("a SUSPENDED product refuses material edits but takes others", () => {
    const refused = applyEdit(listing("SUSPENDED"), { basePrice: Money.kes(1_999) })
    expect(Either.isLeft(refused) && refused.left._tag === "EditWhileSuspended" && refused.left.code).toBe("CATALOGUE.EDIT_WHILE_SUSPENDED")
    expect(edited(applyEdit(listing("SUSPENDED"), { description: "Updated" })).product.state).toBe("SUSPENDED")
  })

  it("an edit that breaks the schema is refused (blank title, http media)", () => {
    expect(Either.isLeft(applyEdit(listing(), { title: "" }))).toBe(true)
    expect(Either.isLeft(applyEdit(listing(), { media: ["http://insecure.test/x.jpg"] }))).toBe(true)
  })

  /** Any combination of changes from the catalogue: material iff at least one material change. */
  const arbPatch = fc.subarray([...changes], { minLength: 1 }).chain((picked) =>
    fc.shuffledSubarray(picked, { minLength: picked.length }).map((ordered) => {
      // Later changes to the same field win, as with object spread; track materiality per field.
      const byField = new Map<string, boolean>()
      let patch: ListingPatch = {}
      for (const c of ordered) {
        patch = { ...patch, ...c.patch }
        for (const k of Object.keys(c.patch)) byField.set(k, c.material)
      }
      return { patch, material: [...byField.values()].some((m) => m) }
    })
  )

  it("property: a material edit of a VERIFIED product always leads to PENDING_REVIEW", () => {
    fc.assert(
      fc.property(
        arbPatch.filter((p) => p.material),
        ({ patch }) => {
          const after = edited(applyEdit(listing("VERIFIED"), patch))
          expect(isMaterialEdit(listing("VERIFIED"), after)).toBe(true)
          expect(after.product.state).toBe("PENDING_REVIEW")
        }
      )
    )
  })

  it("property: an edit moves the state only as the rule says (non-material edits never change it)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...VerificationState.literals), arbPatch, (state, { patch, material }) => {
        const result = applyEdit(listing(state), patch)
        if (material && state === "SUSPENDED") {
          expect(Either.isLeft(result)).toBe(true)
          return
        }
        const after = edited(result)
        const expected = material && (state === "VERIFIED" || state === "REJECTED") ? "PENDING_REVIEW" : state
        expect(after.product.state).toBe(expected)
      })
    )
  })
})

describe("sellability", () => {
  const brand = (state: VerificationState, id = "b1"): Brand => ({
    id: BrandId.make(id),
    name: "Kanga Co",
    state,
    ...(state === "REJECTED" ? { rejectionReason: "trademark not shown" } : {})
  })
  const unbranded = (state: VerificationState): Product => {
    const { brandId: _, ...rest } = product(state)
    return rest
  }

  it.each([
    { what: "all four hold", storeKyc: "VERIFIED", p: product(), b: brand("VERIFIED"), stock: 3, reasons: [] },
    { what: "unbranded, all else holds", storeKyc: "VERIFIED", p: unbranded("VERIFIED"), b: undefined, stock: 1, reasons: [] },
    { what: "store KYC pending", storeKyc: "PENDING", p: product(), b: brand("VERIFIED"), stock: 3, reasons: ["STORE_KYC_NOT_VERIFIED"] },
    { what: "product under review", storeKyc: "VERIFIED", p: product("PENDING_REVIEW"), b: brand("VERIFIED"), stock: 3, reasons: ["PRODUCT_NOT_VERIFIED"] },
    { what: "brand suspended", storeKyc: "VERIFIED", p: product(), b: brand("SUSPENDED"), stock: 3, reasons: ["BRAND_NOT_VERIFIED"] },
    { what: "brand not supplied", storeKyc: "VERIFIED", p: product(), b: undefined, stock: 3, reasons: ["BRAND_NOT_VERIFIED"] },
    { what: "another brand supplied", storeKyc: "VERIFIED", p: product(), b: brand("VERIFIED", "b9"), stock: 3, reasons: ["BRAND_NOT_VERIFIED"] },
    { what: "no stock", storeKyc: "VERIFIED", p: product(), b: brand("VERIFIED"), stock: 0, reasons: ["OUT_OF_STOCK"] },
    {
      what: "everything wrong",
      storeKyc: "BANNED",
      p: product("REJECTED"),
      b: brand("DRAFT"),
      stock: 0,
      reasons: ["STORE_KYC_NOT_VERIFIED", "PRODUCT_NOT_VERIFIED", "BRAND_NOT_VERIFIED", "OUT_OF_STOCK"]
    }
  ] as const)("$what -> $reasons", ({ storeKyc, p, b, stock, reasons }) => {
    const result = sellability({ storeKyc, product: p, availableStock: stock, ...(b === undefined ? {} : { brand: b }) })
    expect(result).toEqual(reasons.length === 0 ? { sellable: true } : { sellable: false, reasons })
  })

  it("property: sellable iff store KYC verified, product VERIFIED, brand VERIFIED if any, and stock > 0", () => {
    const arbState = fc.constantFrom(...VerificationState.literals)
    fc.assert(
      fc.property(
        fc.constantFrom(...StoreKycState.literals),
        arbState,
        fc.boolean(),
        arbState,
        fc.constantFrom("same", "other", "missing"),
        fc.integer({ min: -3, max: 3 }),
        (storeKyc, productState, branded, brandState, supplied, stock) => {
          const p = branded ? product(productState) : unbranded(productState)
          const b = supplied === "missing" ? undefined : brand(brandState, supplied === "same" ? "b1" : "b9")
          const result = sellability({ storeKyc, product: p, availableStock: stock, ...(b === undefined ? {} : { brand: b }) })
          const expected: Array<NotSellableReason> = []
          if (storeKyc !== "VERIFIED") expected.push("STORE_KYC_NOT_VERIFIED")
          if (productState !== "VERIFIED") expected.push("PRODUCT_NOT_VERIFIED")
          if (branded && !(supplied === "same" && brandState === "VERIFIED")) expected.push("BRAND_NOT_VERIFIED")
          if (stock <= 0) expected.push("OUT_OF_STOCK")
          expect(result.sellable).toBe(expected.length === 0)
          if (!result.sellable) expect(result.reasons).toEqual(expected)
        }
      )
    )
  })
})

describe("catalogue: what a refusal says, and edits at the edges (mutation testing found these unpinned)", () => {
  const decodeMessage = (schema: Schema.Schema<unknown, unknown>, input: unknown) => {
    const r = Schema.decodeUnknownEither(schema)(input)
    return Either.isLeft(r) ? r.left.message : "decoded"
  }
  const encoded = (over: Record<string, unknown>) => ({ ...Schema.encodeSync(Product)(product()), ...over })

  it("a price is positive and at most KES 1,000,000.00, and says so", () => {
    expect(decodeMessage(Product as Schema.Schema<unknown, unknown>, encoded({ basePrice: { amount: 0, currency: "KES" } }))).toContain(
      "a price must be positive"
    )
    expect(decodeMessage(Product as Schema.Schema<unknown, unknown>, encoded({ basePrice: { amount: 1_000_000_01, currency: "KES" } }))).toContain(
      "a price must be at most KES 1,000,000.00"
    )
    expect(decodeMessage(Product as Schema.Schema<unknown, unknown>, encoded({ basePrice: { amount: 1_000_000_00, currency: "KES" } }))).toBe("decoded")
    expect(decodeMessage(Product as Schema.Schema<unknown, unknown>, encoded({ basePrice: { amount: 1, currency: "KES" } }))).toBe("decoded")
  })

  it("media must be https, and a reason belongs exactly to REJECTED, and each says so", () => {
    expect(decodeMessage(Product as Schema.Schema<unknown, unknown>, encoded({ media: ["http://cdn.amana.test/1.jpg"] }))).toContain(
      "media must be an https URL"
    )
    expect(decodeMessage(Product as Schema.Schema<unknown, unknown>, encoded({ state: "REJECTED" }))).toContain(
      "rejectionReason is required exactly when REJECTED"
    )
    expect(decodeMessage(Product as Schema.Schema<unknown, unknown>, encoded({ state: "REJECTED", rejectionReason: "blurry" }))).toBe("decoded")
  })

  it("refusals name the states, the product and what is missing", () => {
    const illegal = transitionVerification("DRAFT", "VERIFIED")
    expect(Either.isLeft(illegal) && [illegal.left.message, illegal.left.code]).toEqual([
      "illegal verification transition: DRAFT -> VERIFIED",
      "CATALOGUE.ILLEGAL_TRANSITION"
    ])
    const blank = transitionVerification("PENDING_REVIEW", "REJECTED", "  ")
    expect(Either.isLeft(blank) && [blank.left._tag, blank.left.message, blank.left.code]).toEqual([
      "RejectionReasonRequired",
      "rejecting from PENDING_REVIEW needs a non-blank reason",
      "CATALOGUE.REJECTION_REASON_REQUIRED"
    ])
    const none = transitionVerification("PENDING_REVIEW", "REJECTED")
    expect(Either.isLeft(none) && none.left._tag).toBe("RejectionReasonRequired")
    const suspended = applyEdit(listing("SUSPENDED"), { title: "New" })
    expect(Either.isLeft(suspended) && suspended.left.message).toBe("product p1 is suspended: material edits wait until an admin lifts the suspension")
  })

  it("a DRAFT or PENDING_REVIEW product keeps its state on a material edit", () => {
    expect(edited(applyEdit(listing("DRAFT"), { title: "Kitenge midi dress" })).product.state).toBe("DRAFT")
    expect(edited(applyEdit(listing("PENDING_REVIEW"), { title: "Kitenge midi dress" })).product.state).toBe("PENDING_REVIEW")
  })

  it("null removes the brand or the category; leaving them out keeps them", () => {
    const noCategory = edited(applyEdit(listing(), { categoryId: null }))
    expect("categoryId" in noCategory.product).toBe(false)
    expect(noCategory.product.brandId).toBe("b1")
    const noBrand = edited(applyEdit(listing(), { brandId: null }))
    expect("brandId" in noBrand.product).toBe(false)
    expect(noBrand.product.categoryId).toBe("c1")
    expect(edited(applyEdit(listing(), { categoryId: CategoryId.make("c2") })).product.categoryId).toBe("c2")
  })

  it("a variant that gains or loses an attribute, or swaps one, is a material change", () => {
    const before = listing()
    const withVariant = (attributes: Record<string, string>): Listing => ({ ...before, variants: [{ ...v1, attributes }, v2] })
    expect(isMaterialEdit(before, withVariant({ size: "M", colour: "red", fit: "slim" }))).toBe(true)
    expect(isMaterialEdit(before, withVariant({ size: "M" }))).toBe(true)
    expect(isMaterialEdit(before, withVariant({ size: "M", shade: "red" }))).toBe(true)
    expect(isMaterialEdit(before, withVariant({ colour: "red", size: "M" }))).toBe(false)
    // an override compared as money: the same amount in another currency is a different price
    expect(isMaterialEdit(before, { ...before, variants: [{ ...v1, priceOverride: Money.major(3_000, "TZS") }, v2] })).toBe(true)
  })
})
