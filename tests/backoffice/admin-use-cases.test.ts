/**
 * The back-office use cases against a real database: every change leaves an audit entry and its
 * events in the SAME transaction (one fails, nothing happens), roles are checked on the server,
 * incentive edits are new versions, refunds go through the order state machine.
 */
import type { AdminUserId, ExceptionId } from "../../domain/ids.js"
import { BrandId, LocationId, PayoutBatchId, ProductId, StoreId, UserId, VariantId } from "../../domain/ids.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import fc from "fast-check"
import { Effect, Either, Option } from "effect"
import { authenticateAdmin, bootstrapFirstAdmin, createAdminUser, LOGIN_LIMIT } from "../../application/admin/admin-accounts.js"
import { can, grants } from "../../application/admin/admin-roles.js"
import type { AdminActor, AdminRole, Capability } from "../../application/admin/admin-roles.js"
import { approvePayoutBatch } from "../../application/admin/approve-payout-batch.js"
import type { PromotionRule } from "../../application/admin/admin.port.js"
import { changePromotionStatus, createPromotion, revisePromotion } from "../../application/admin/manage-incentives.js"
import { changesSinceVerified, decideProduct } from "../../application/admin/review-catalogue.js"
import { decideSeller } from "../../application/admin/review-sellers.js"
import { refundException, resolveException, retryException } from "../../application/admin/work-exceptions.js"
import { placeCheckout } from "../../application/checkout/place-checkout.js"
import { CheckoutStore } from "../../application/checkout/checkout.port.js"
import { transitionOrder } from "../../application/orders/transition-order.js"
import { Outbox } from "../../application/ports/outbox.js"
import { StoreUnavailable } from "../../application/ports/unit-of-work.js"
import { makePlatformRuntime } from "../../composition/platform.js"
import type { PlatformRuntime } from "../../composition/platform.js"
import { insertProduct, insertStore, insertUser, insertVariant, seedDemo } from "../../adapters/postgres/seed.js"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase()
let runtime: PlatformRuntime
const actors = {} as Record<AdminRole, AdminActor>

const run = <A, E>(effect: Effect.Effect<A, E, never>) => runtime.runPromise(Effect.either(effect))
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const go = <A, E>(effect: Effect.Effect<A, E, any>) => run(effect as Effect.Effect<A, E, never>)
const tag = (e: Either.Either<unknown, unknown>) => (Either.isLeft(e) ? (e.left as { _tag?: string })._tag : "Right")

beforeAll(async () => {
  await seedDemo(db.sql)
  runtime = makePlatformRuntime(db.sql)
  const first = await go(bootstrapFirstAdmin({ email: "Root@Amana.test", password: "a-long-enough-password" }))
  const root = Either.getOrThrow(first)
  expect(Option.isSome(root)).toBe(true)
  const [row] = await db.sql<Array<{ id: AdminUserId; email: string }>>`select id, email from admin_users`
  actors.PLATFORM_ADMIN = { id: row!.id, email: row!.email, role: "PLATFORM_ADMIN" }
  for (const role of ["CATALOG_REVIEWER", "FINANCE", "AUDITOR"] as const) {
    const created = Either.getOrThrow(
      await go(createAdminUser(actors.PLATFORM_ADMIN, { email: `${role.toLowerCase()}@amana.test`, role, password: "another-long-password" }))
    )
    actors[role] = { id: created.id, email: created.email, role }
  }
})
afterAll(async () => {
  await runtime?.dispose()
})

/** The version a reviewer has on screen for the product. */
const versionOf = async (id: string): Promise<number> => Number((await db.sql`select version from products where id = ${id}`)[0]!["version"])

const pendingProduct = async (id: string) => {
  await insertProduct(db.sql, {
    id,
    storeId: "sto_kitenge_house",
    title: `Product ${id}`,
    price: 1_000_00,
    state: "PENDING_REVIEW",
    media: [`https://img.example/${id}.jpg`]
  })
  await insertVariant(db.sql, { id: `${id}_v1`, productId: id, sku: `SKU-${id}`, weightGrams: 100, storeId: "sto_kitenge_house", onHand: 3 })
}

describe("roles", () => {
  const capabilities = [...new Set(Object.values(grants).flat())] as Array<Capability>
  const writes = capabilities.filter((c) => !c.endsWith(".read"))

  it("an AUDITOR holds every read capability and no capability that changes anything", () => {
    fc.assert(fc.property(fc.constantFrom(...capabilities), (c) => can("AUDITOR", c) === c.endsWith(".read")))
  })

  it("PLATFORM_ADMIN holds every capability any role holds", () => {
    fc.assert(fc.property(fc.constantFrom(...capabilities), (c) => can("PLATFORM_ADMIN", c)))
  })

  it("who may do what (worked table)", () => {
    const table: Array<[AdminRole, Capability, boolean]> = [
      ["CATALOG_REVIEWER", "catalogue.review", true],
      ["CATALOG_REVIEWER", "sellers.review", true],
      ["CATALOG_REVIEWER", "payouts.approve", false],
      ["CATALOG_REVIEWER", "incentives.manage", false],
      ["FINANCE", "payouts.approve", true],
      ["FINANCE", "exceptions.work", true],
      ["FINANCE", "catalogue.review", false],
      ["AUDITOR", "orders.read", true]
    ]
    for (const [role, capability, expected] of table) expect([role, capability, can(role, capability)]).toEqual([role, capability, expected])
    expect(writes.length).toBeGreaterThan(0)
  })

  it("every role's writes are refused to an AUDITOR by the use case itself, and nothing changes", async () => {
    await pendingProduct("prd_uc_auditor")
    const outcome = await go(decideProduct(actors.AUDITOR, { id: ProductId.make("prd_uc_auditor"), decision: "VERIFY" }))
    expect(tag(outcome)).toBe("AdminForbidden")
    expect(tag(await go(approvePayoutBatch(actors.CATALOG_REVIEWER, { batchId: PayoutBatchId.make("nope") })))).toBe("AdminForbidden")
    expect(tag(await go(decideProduct(actors.FINANCE, { id: ProductId.make("prd_uc_auditor"), decision: "VERIFY" })))).toBe("AdminForbidden")
    const [p] = await db.sql`select state from products where id = 'prd_uc_auditor'`
    expect(p).toEqual({ state: "PENDING_REVIEW" })
    expect(await db.sql`select 1 from audit_log where entity_id = 'prd_uc_auditor'`).toHaveLength(0)
  })
})

describe("audit entry and events in the same transaction", () => {
  it("a verification writes the product, one audit row and one PRODUCT_VERIFIED event together", async () => {
    await pendingProduct("prd_uc_verify")
    const reviewedVersion = await versionOf("prd_uc_verify")
    Either.getOrThrow(
      await go(decideProduct(actors.CATALOG_REVIEWER, { id: ProductId.make("prd_uc_verify"), decision: "VERIFY", reason: "looks right", reviewedVersion }))
    )
    const audit = await db.sql<
      Array<{ seq: number; actor_id: string; actor_role: string; action: string; before: unknown; after: { state: string }; reason: string }>
    >`
      select seq, actor_id, actor_role, action, before, after, reason from audit_log where entity_id = 'prd_uc_verify'`
    expect(audit).toHaveLength(1)
    expect(audit[0]).toMatchObject({
      actor_id: actors.CATALOG_REVIEWER.id,
      actor_role: "CATALOG_REVIEWER",
      action: "PRODUCT.VERIFY",
      before: { state: "PENDING_REVIEW" },
      after: { state: "VERIFIED" },
      reason: "looks right"
    })
    const events = await db.sql<
      Array<{ event_type: string; payload: { auditSeq: number; adminId: string } }>
    >`select event_type, payload from outbox where aggregate_id = 'prd_uc_verify'`
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ event_type: "PRODUCT_VERIFIED", payload: { auditSeq: audit[0]!.seq, adminId: actors.CATALOG_REVIEWER.id } })
  })

  it("when the outbox fails, the change and its audit entry roll back with it", async () => {
    await pendingProduct("prd_uc_rollback")
    const failingOutbox = { append: () => Effect.fail(new StoreUnavailable({ detail: "outbox down" })) }
    const reviewedVersion = await versionOf("prd_uc_rollback")
    const outcome = await go(
      decideProduct(actors.CATALOG_REVIEWER, { id: ProductId.make("prd_uc_rollback"), decision: "VERIFY", reviewedVersion }).pipe(
        Effect.provideService(Outbox, failingOutbox)
      )
    )
    expect(tag(outcome)).toBe("StoreUnavailable")
    expect(await db.sql`select state from products where id = 'prd_uc_rollback'`).toEqual([{ state: "PENDING_REVIEW" }])
    expect(await db.sql`select 1 from audit_log where entity_id = 'prd_uc_rollback'`).toHaveLength(0)
  })

  it("a rejection needs a reason; the domain's state machine refuses verifying a VERIFIED product", async () => {
    await pendingProduct("prd_uc_reject")
    expect(tag(await go(decideProduct(actors.CATALOG_REVIEWER, { id: ProductId.make("prd_uc_reject"), decision: "REJECT", reason: "  " })))).toBe(
      "AdminInvalidInput"
    )
    Either.getOrThrow(await go(decideProduct(actors.CATALOG_REVIEWER, { id: ProductId.make("prd_uc_reject"), decision: "REJECT", reason: "blurry photos" })))
    expect(await db.sql`select state, rejection_reason from products where id = 'prd_uc_reject'`).toEqual([
      { state: "REJECTED", rejection_reason: "blurry photos" }
    ])
    const dressVersion = await versionOf("prd_kitenge_dress")
    expect(
      tag(await go(decideProduct(actors.CATALOG_REVIEWER, { id: ProductId.make("prd_kitenge_dress"), decision: "VERIFY", reviewedVersion: dressVersion })))
    ).toBe("IllegalVerificationTransition")
  })

  it("a verification approves the version the reviewer saw: one the seller changed since is refused, and nothing is approved unseen", async () => {
    await pendingProduct("prd_uc_seen")
    const seen = await versionOf("prd_uc_seen")
    const verify = (reviewedVersion: number | undefined) =>
      go(decideProduct(actors.CATALOG_REVIEWER, { id: ProductId.make("prd_uc_seen"), decision: "VERIFY", reviewedVersion }))
    // the seller saves an edit between the reviewer opening the product and clicking Verify
    await db.sql`update products set title = 'Genuine Rolex (trust me)', version = version + 1 where id = 'prd_uc_seen'`
    const stale = await verify(seen)
    expect(tag(stale)).toBe("AdminChangedSinceViewed")
    expect(Either.isLeft(stale) && (stale.left as { message: string }).message).toContain(`you reviewed version ${seen}, it is now version ${seen + 1}`)
    expect(tag(await verify(undefined))).toBe("AdminInvalidInput")
    expect(await db.sql`select state from products where id = 'prd_uc_seen'`).toEqual([{ state: "PENDING_REVIEW" }])
    expect(await db.sql`select 1 from audit_log where entity_id = 'prd_uc_seen'`).toHaveLength(0)
    // opened again, the current version is what gets approved
    Either.getOrThrow(await verify(seen + 1))
    expect(await db.sql`select state from products where id = 'prd_uc_seen'`).toEqual([{ state: "VERIFIED" }])
    // a rejection or suspension needs no version: refusing what changed is never approving it unseen
  })
})

describe("sellers", () => {
  it("suspend, ban and reinstate follow the KYC table, each with a reason and an audit row", async () => {
    await insertUser(db.sql, { id: "usr_uc_seller", phone: "254711999001", roles: ["SELLER_OWNER"] })
    await insertStore(db.sql, { id: "sto_uc", ownerId: "usr_uc_seller", name: "Duka la Mama" })
    expect(tag(await go(decideSeller(actors.CATALOG_REVIEWER, { storeId: StoreId.make("sto_uc"), decision: "SUSPEND" })))).toBe("AdminInvalidInput")
    Either.getOrThrow(await go(decideSeller(actors.CATALOG_REVIEWER, { storeId: StoreId.make("sto_uc"), decision: "SUSPEND", reason: "counterfeit reports" })))
    expect(tag(await go(decideSeller(actors.CATALOG_REVIEWER, { storeId: StoreId.make("sto_uc"), decision: "VERIFY" })))).toBe("AdminIllegalChange")
    Either.getOrThrow(await go(decideSeller(actors.PLATFORM_ADMIN, { storeId: StoreId.make("sto_uc"), decision: "REINSTATE", reason: "documents checked" })))
    expect(await db.sql`select kyc_state, kyc_reason from stores where id = 'sto_uc'`).toEqual([{ kyc_state: "VERIFIED", kyc_reason: null }])
    const actions = await db.sql`select action from audit_log where entity_id = 'sto_uc' order by seq`
    expect(actions.map((a) => a["action"])).toEqual(["SELLER.SUSPEND", "SELLER.REINSTATE"])
  })
})

describe("promotions are versioned, never edited in place", () => {
  const rule = (overrides: Partial<PromotionRule> = {}): PromotionRule => ({
    priority: 5,
    startsAt: Date.now() - 60_000,
    endsAt: Date.now() + 86_400_000,
    scope: { _tag: "EVERYTHING" },
    effect: { _tag: "AMOUNT_OFF", amount: { amount: 100_00, currency: "KES" } },
    currency: "KES",
    globalLimit: 10,
    perBuyerLimit: null,
    ...overrides
  })

  it("a revision appends version 2; the order placed under version 1 keeps citing version 1", async () => {
    const created = Either.getOrThrow(await go(createPromotion(actors.PLATFORM_ADMIN, { name: "Mid-month KES 100 off", rule: rule({ priority: 90 }) })))
    const checkout = Either.getOrThrow(
      await go(
        placeCheckout({
          buyerId: UserId.make("usr_demo_buyer"),
          idempotencyKey: "uc-promo-1",
          items: [{ variantId: VariantId.make("prd_maasai_shuka_v1"), quantity: 1 }],
          destination: LocationId.make("KE-047"),
          payerPhone: "254708374149"
        })
      )
    )
    Either.getOrThrow(
      await go(
        revisePromotion(actors.PLATFORM_ADMIN, {
          promotionId: created.promotionId,
          rule: rule({ priority: 90, effect: { _tag: "AMOUNT_OFF", amount: { amount: 150_00, currency: "KES" } } })
        })
      )
    )
    const versions = await db.sql`select version, effect from promotion_versions where promotion_id = ${created.promotionId} order by version`
    expect(versions).toEqual([
      { version: 1, effect: { _tag: "AMOUNT_OFF", amount: { amount: 100_00, currency: "KES" } } },
      { version: 2, effect: { _tag: "AMOUNT_OFF", amount: { amount: 150_00, currency: "KES" } } }
    ])
    const [snap] = await db.sql<Array<{ snapshot: { incentives: { promotion?: { id: string; version: number } } } }>>`
      select snapshot from order_snapshots where order_id = ${checkout.orders[0]!.orderId}`
    expect(snap?.snapshot.incentives.promotion).toMatchObject({ id: created.promotionId, version: 1 })
    const live = await runtime.runPromise(
      Effect.map(
        Effect.flatMap(CheckoutStore, (s) => s.loadPromotionsAndShipping(UserId.make("usr_demo_buyer"), Date.now())),
        (r) => r.promotions
      )
    )
    expect(live.find((c) => c.promotion.id === created.promotionId)?.promotion.version).toBe(2)

    Either.getOrThrow(await go(changePromotionStatus(actors.PLATFORM_ADMIN, { promotionId: created.promotionId, change: "PAUSE" })))
    const paused = await runtime.runPromise(
      Effect.map(
        Effect.flatMap(CheckoutStore, (s) => s.loadPromotionsAndShipping(UserId.make("usr_demo_buyer"), Date.now())),
        (r) => r.promotions
      )
    )
    expect(paused.some((c) => c.promotion.id === created.promotionId)).toBe(false)
    Either.getOrThrow(await go(changePromotionStatus(actors.PLATFORM_ADMIN, { promotionId: created.promotionId, change: "END" })))
    expect(tag(await go(changePromotionStatus(actors.PLATFORM_ADMIN, { promotionId: created.promotionId, change: "RESUME" })))).toBe("AdminIllegalChange")
    const trail = await db.sql`select action from audit_log where entity_id = ${created.promotionId} order by seq`
    expect(trail.map((a) => a["action"])).toEqual(["PROMOTION.CREATE", "PROMOTION.REVISE", "PROMOTION.PAUSE", "PROMOTION.END"])
  })

  it("rules the checkout could not decode are refused (bad dates, mixed currencies, a limit of zero)", async () => {
    expect(tag(await go(createPromotion(actors.PLATFORM_ADMIN, { name: "x", rule: rule({ endsAt: Date.now() - 120_000 }) })))).toBe("AdminInvalidInput")
    expect(
      tag(
        await go(
          createPromotion(actors.PLATFORM_ADMIN, { name: "x", rule: rule({ effect: { _tag: "AMOUNT_OFF", amount: { amount: 100, currency: "TZS" } } }) })
        )
      )
    ).toBe("AdminInvalidInput")
    expect(tag(await go(createPromotion(actors.PLATFORM_ADMIN, { name: "x", rule: rule({ globalLimit: 0 }) })))).toBe("AdminInvalidInput")
    expect(tag(await go(createPromotion(actors.FINANCE, { name: "x", rule: rule() })))).toBe("AdminForbidden")
  })
})

describe("exceptions", () => {
  it("refund: a PAID order is CANCELLED through the state machine (refund posting, restock), the exception closed and audited", async () => {
    const checkout = Either.getOrThrow(
      await go(
        placeCheckout({
          buyerId: UserId.make("usr_demo_buyer"),
          idempotencyKey: "uc-refund-1",
          items: [{ variantId: VariantId.make("prd_sisal_basket_v1"), quantity: 1 }],
          destination: LocationId.make("KE-047"),
          payerPhone: "254708374149"
        })
      )
    )
    const orderId = checkout.orders[0]!.orderId
    Either.getOrThrow(await go(transitionOrder({ orderId, to: "PAID", actor: { kind: "SYSTEM", id: "test" } as never })))
    const [x] = await db.sql<
      Array<{ id: ExceptionId }>
    >`insert into exceptions (kind, entity, entity_id) values ('PAYMENT_AMOUNT_MISMATCH', 'order', ${orderId}) returning id`
    expect(tag(await go(refundException(actors.AUDITOR, { exceptionId: x!.id, note: "n" })))).toBe("AdminForbidden")
    const done = Either.getOrThrow(await go(refundException(actors.FINANCE, { exceptionId: x!.id, note: "buyer paid the wrong amount; refunded" })))
    expect(done.orderState).toBe("CANCELLED")
    expect(await db.sql`select state from orders where id = ${orderId}`).toEqual([{ state: "CANCELLED" }])
    expect(await db.sql`select kind from ledger_transactions where order_id = ${orderId}`).not.toHaveLength(0)
    expect(await db.sql`select status, note from exceptions where id = ${x!.id}`).toEqual([
      { status: "RESOLVED", note: "buyer paid the wrong amount; refunded" }
    ])
    const [timeline] = await db.sql`select actor_kind, actor_id, reason from order_timeline where order_id = ${orderId} and to_state = 'CANCELLED'`
    expect(timeline).toEqual({ actor_kind: "ADMIN", actor_id: actors.FINANCE.id, reason: "buyer paid the wrong amount; refunded" })
    const events =
      await db.sql`select event_type from outbox where aggregate_id in (${orderId}, ${x!.id}) and event_type in ('ORDER_CANCELLED', 'EXCEPTION_RESOLVED') order by seq`
    expect(events.map((e) => e["event_type"])).toEqual(["ORDER_CANCELLED", "EXCEPTION_RESOLVED"])
    expect(tag(await go(resolveException(actors.FINANCE, { exceptionId: x!.id, note: "again" })))).toBe("AdminIllegalChange")
  })

  it("retry: a dead-lettered event goes back on the worker queue and its dedupe key is freed", async () => {
    const [ev] = await db.sql<
      Array<{ id: string }>
    >`insert into outbox (event_type, aggregate_type, aggregate_id, payload, attempts, last_error) values ('ORDER_PAID', 'ORDER', 'o1', '{}', 8, 'boom') returning id`
    const [x] = await db.sql<Array<{ id: ExceptionId }>>`insert into exceptions (kind, entity, entity_id, payload, dedupe_key)
      values ('DEAD_LETTER', 'outbox', ${ev!.id}, ${db.sql.json({ eventId: ev!.id } as never)}, ${`dead:h:${ev!.id}`}) returning id`
    const jobsBefore = await db.sql`select count(*)::int as n from graphile_worker._private_jobs where payload->>'eventId' = ${ev!.id}`
    Either.getOrThrow(await go(retryException(actors.FINANCE, { exceptionId: x!.id })))
    const jobsAfter = await db.sql`select count(*)::int as n from graphile_worker._private_jobs where payload->>'eventId' = ${ev!.id}`
    expect([jobsBefore[0]?.["n"], jobsAfter[0]?.["n"]]).toEqual([0, 1])
    const [closed] = await db.sql`select status, dedupe_key from exceptions where id = ${x!.id}`
    expect(closed?.["status"]).toBe("RESOLVED")
    expect(closed?.["dedupe_key"]).not.toBe(`dead:h:${ev!.id}`)
    const [other] = await db.sql<Array<{ id: ExceptionId }>>`insert into exceptions (kind) values ('UNKNOWN_CALLBACK') returning id`
    expect(tag(await go(retryException(actors.FINANCE, { exceptionId: other!.id })))).toBe("AdminInvalidInput")
  })
})

describe("payout batches", () => {
  it("FINANCE approves a DRAFT batch once; a second approval is refused", async () => {
    const [b] = await db.sql<Array<{ id: PayoutBatchId }>>`insert into payout_batches (week_key) values ('2026-11-20') returning id`
    Either.getOrThrow(await go(approvePayoutBatch(actors.FINANCE, { batchId: b!.id })))
    expect(await db.sql`select state, approved_by from payout_batches where id = ${b!.id}`).toEqual([{ state: "APPROVED", approved_by: actors.FINANCE.id }])
    expect(tag(await go(approvePayoutBatch(actors.FINANCE, { batchId: b!.id })))).toBe("AdminIllegalChange")
    expect(await db.sql`select event_type from outbox where aggregate_id = ${b!.id}`).toEqual([{ event_type: "PAYOUT_BATCH_APPROVED" }])
  })
})

describe("admin login", () => {
  it("right password: the actor; wrong password or unknown email: None; the email is case-insensitive", async () => {
    const ok = Either.getOrThrow(await go(authenticateAdmin({ email: "ROOT@amana.test ", password: "a-long-enough-password", clientAddress: "10.0.0.1" })))
    expect(Option.map(ok, (a) => a.role)).toEqual(Option.some("PLATFORM_ADMIN"))
    expect(Either.getOrThrow(await go(authenticateAdmin({ email: "root@amana.test", password: "wrong", clientAddress: "10.0.0.2" })))).toEqual(Option.none())
    expect(Either.getOrThrow(await go(authenticateAdmin({ email: "nobody@amana.test", password: "wrong", clientAddress: "10.0.0.3" })))).toEqual(Option.none())
    const [stored] = await db.sql<Array<{ password_hash: string }>>`select password_hash from admin_users where email = 'root@amana.test'`
    expect(stored?.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/)
  })

  it(`after ${LOGIN_LIMIT.perEmail} attempts for one email, even the right password is refused for a while`, async () => {
    const email = "finance@amana.test"
    for (let i = 0; i < LOGIN_LIMIT.perEmail; i++) await go(authenticateAdmin({ email, password: "guess", clientAddress: `10.1.0.${i}` }))
    const blocked = await go(authenticateAdmin({ email, password: "another-long-password", clientAddress: "10.1.1.1" }))
    expect(tag(blocked)).toBe("AdminLoginThrottled")
  })

  it("there is exactly one first admin: bootstrapping again does nothing", async () => {
    expect(Either.getOrThrow(await go(bootstrapFirstAdmin({ email: "second@amana.test", password: "a-long-enough-password" })))).toEqual(Option.none())
    expect(await db.sql`select 1 from admin_users where email = 'second@amana.test'`).toHaveLength(0)
  })
})

describe("what changed since the last verified version", () => {
  const fields = fc.record({
    title: fc.string({ minLength: 1 }),
    description: fc.string(),
    basePrice: fc.record({ amount: fc.integer({ min: 1, max: 10_000_000 }), currency: fc.constant("KES" as const) }),
    media: fc.uniqueArray(fc.webUrl(), { maxLength: 4 }),
    brandId: fc.option(
      fc.stringMatching(/^[a-z0-9_]{1,20}$/).map((s) => BrandId.make(s)),
      { nil: null }
    ),
    variants: fc.constant([])
  })

  it("a product compared with the version that was approved has no changes; a first review has none to show", () => {
    fc.assert(fc.property(fields, (f) => changesSinceVerified(f, f).length === 0 && changesSinceVerified(null, f).length === 0))
  })

  it("worked example: a new price and a swapped photo", () => {
    const approved = {
      title: "Kitenge dress",
      description: "cotton",
      basePrice: { amount: 2_500_00, currency: "KES" as const },
      media: ["https://i.example/a.jpg"],
      brandId: null,
      variants: []
    }
    const now = { ...approved, basePrice: { amount: 2_800_00, currency: "KES" as const }, media: ["https://i.example/b.jpg"] }
    expect(changesSinceVerified(approved, now)).toEqual([
      { field: "basePrice", before: { amount: 2_500_00, currency: "KES" }, after: { amount: 2_800_00, currency: "KES" } },
      { field: "media", before: ["https://i.example/a.jpg"], after: ["https://i.example/b.jpg"] }
    ])
  })
})
