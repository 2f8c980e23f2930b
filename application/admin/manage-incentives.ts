/**
 * Promotions and discount codes, run by platform admins. A rule is never edited in place: a change
 * appends a new immutable version and moves the head's current_version, so an order's snapshot keeps
 * pointing at the (id, version) it used. Schedule = a version whose start is in the future; pause,
 * resume and end are status changes on the head.
 */
import { Clock, Effect, ParseResult, Schema } from "effect"
import { IncentiveEffect, PromotionScope } from "../../domain/incentives.js"
import { Money } from "../../domain/money.js"
import type { Currency } from "../../domain/money.js"
import { Ids } from "../ports/ids.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { AdminIllegalChange, AdminInvalidInput } from "./admin.errors.js"
import { authorize } from "./admin-roles.js"
import type { AdminActor } from "./admin-roles.js"
import { AdminStore } from "./admin.port.js"
import type { DiscountCodeRule, IncentiveStatus, PromotionRule } from "./admin.port.js"
import { found, recordAdminAction, requiredText } from "./record-admin-action.js"

const invalid = (detail: string) => new AdminInvalidInput({ detail })

const decode = <A, I>(schema: Schema.Schema<A, I>, value: unknown, what: string) =>
  Effect.mapError(Schema.decodeUnknown(schema)(value), (e) => invalid(`${what}: ${ParseResult.TreeFormatter.formatErrorSync(e)}`))

const limit = (value: number | null, what: string) =>
  value === null || (Number.isSafeInteger(value) && value > 0) ? Effect.succeed(value) : Effect.fail(invalid(`${what} must be a whole number above zero`))

const sameCurrency = (currency: Currency, amounts: ReadonlyArray<{ readonly currency: Currency } | undefined>) =>
  amounts.every((m) => m === undefined || m.currency === currency) ? Effect.void : Effect.fail(invalid(`every amount must be in ${currency}`))

/** The rule checked against the domain's schemas (the same ones checkout decodes it with). */
const validPromotionRule = (rule: PromotionRule) =>
  Effect.gen(function* () {
    if (!Number.isSafeInteger(rule.priority)) return yield* invalid("priority must be a whole number")
    if (!(rule.endsAt > rule.startsAt)) return yield* invalid("the end must be after the start")
    const scope = yield* decode(PromotionScope, rule.scope, "scope")
    const effect = yield* decode(IncentiveEffect, rule.effect, "effect")
    const minSubtotal = rule.minSubtotal === undefined ? undefined : yield* decode(Money, rule.minSubtotal, "minimum subtotal")
    yield* sameCurrency(rule.currency, [minSubtotal, effect._tag === "PERCENT_OFF" ? effect.cap : effect._tag === "AMOUNT_OFF" ? effect.amount : undefined])
    if (effect._tag === "AMOUNT_OFF" && effect.amount.amount <= 0) return yield* invalid("the amount off must be above zero")
    return { ...rule, scope, effect, minSubtotal, globalLimit: yield* limit(rule.globalLimit, "the global limit"), perBuyerLimit: yield* limit(rule.perBuyerLimit, "the per-buyer limit") }
  })

const validCodeRule = (rule: DiscountCodeRule) =>
  Effect.gen(function* () {
    if (rule.startsAt !== null && !(rule.expiresAt > rule.startsAt)) return yield* invalid("the expiry must be after the start")
    if (!Number.isSafeInteger(rule.minSubtotal) || rule.minSubtotal < 0) return yield* invalid("the minimum subtotal must be zero or more")
    const effect = yield* decode(IncentiveEffect, rule.effect, "effect")
    yield* sameCurrency(rule.currency, [effect._tag === "PERCENT_OFF" ? effect.cap : effect._tag === "AMOUNT_OFF" ? effect.amount : undefined])
    return { ...rule, effect, globalLimit: yield* limit(rule.globalLimit, "the global limit"), perBuyerLimit: yield* limit(rule.perBuyerLimit, "the per-buyer limit") }
  })

export type StatusChange = "PAUSE" | "RESUME" | "END"

/** ACTIVE <-> PAUSED; either -> ENDED (final: an ended incentive is history). */
export const statusChanges: { readonly [C in StatusChange]: { readonly from: ReadonlyArray<IncentiveStatus>; readonly to: IncentiveStatus } } = {
  PAUSE: { from: ["ACTIVE"], to: "PAUSED" },
  RESUME: { from: ["PAUSED"], to: "ACTIVE" },
  END: { from: ["ACTIVE", "PAUSED"], to: "ENDED" }
}

// ---------------------------------------------------------------------------------------------
// Promotions

export const createPromotion = (actor: AdminActor, cmd: { readonly name: string; readonly rule: PromotionRule }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "incentives.manage")
    const name = yield* requiredText(cmd.name, "a name")
    const rule = yield* validPromotionRule(cmd.rule)
    const ids = yield* Ids
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    const id = yield* ids.next("promo")
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AdminStore
        yield* store.insertPromotion({ id, name, by: actor.id, at, rule })
        yield* recordAdminAction(actor, { action: "PROMOTION.CREATE", entity: "promotion", entityId: id, before: null, after: { name, version: 1, status: "ACTIVE", rule } }, [
          { type: "PROMOTION_CREATED", aggregateType: "PROMOTION", aggregateId: id, payload: { promotionId: id, version: 1, at } }
        ])
        return { promotionId: id, version: 1 }
      })
    )
  }).pipe(Effect.withSpan("Admin.createPromotion"))

export const revisePromotion = (actor: AdminActor, cmd: { readonly promotionId: string; readonly rule: PromotionRule; readonly reason?: string | undefined }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "incentives.manage")
    const rule = yield* validPromotionRule(cmd.rule)
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AdminStore
        const current = yield* found("promotion", cmd.promotionId, store.lockPromotion(cmd.promotionId))
        if (current.status === "ENDED") return yield* new AdminIllegalChange({ entity: "promotion", from: current.status, change: "REVISE" })
        const version = current.currentVersion + 1
        yield* store.appendPromotionVersion(current.id, version, rule, actor.id, at)
        yield* recordAdminAction(
          actor,
          { action: "PROMOTION.REVISE", entity: "promotion", entityId: current.id, before: { version: current.currentVersion, rule: current.rule }, after: { version, rule }, reason: cmd.reason?.trim() || null },
          [{ type: "PROMOTION_REVISED", aggregateType: "PROMOTION", aggregateId: current.id, payload: { promotionId: current.id, from: current.currentVersion, version, at } }]
        )
        return { promotionId: current.id, version }
      })
    )
  }).pipe(Effect.withSpan("Admin.revisePromotion"))

export const changePromotionStatus = (actor: AdminActor, cmd: { readonly promotionId: string; readonly change: StatusChange; readonly reason?: string | undefined }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "incentives.manage")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AdminStore
        const current = yield* found("promotion", cmd.promotionId, store.lockPromotion(cmd.promotionId))
        const rule = statusChanges[cmd.change]
        if (!rule.from.includes(current.status)) return yield* new AdminIllegalChange({ entity: "promotion", from: current.status, change: cmd.change })
        yield* store.setPromotionStatus(current.id, rule.to, at)
        yield* recordAdminAction(
          actor,
          { action: `PROMOTION.${cmd.change}`, entity: "promotion", entityId: current.id, before: { status: current.status }, after: { status: rule.to }, reason: cmd.reason?.trim() || null },
          [{ type: `PROMOTION_${rule.to === "ACTIVE" ? "RESUMED" : rule.to}`, aggregateType: "PROMOTION", aggregateId: current.id, payload: { promotionId: current.id, from: current.status, to: rule.to, at } }]
        )
        return { promotionId: current.id, status: rule.to }
      })
    )
  }).pipe(Effect.withSpan("Admin.changePromotionStatus"))

// ---------------------------------------------------------------------------------------------
// Discount codes

const CODE = /^[A-Z0-9_-]{3,32}$/

export const createDiscountCode = (actor: AdminActor, cmd: { readonly code: string; readonly rule: DiscountCodeRule }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "incentives.manage")
    const code = cmd.code.trim().toUpperCase()
    if (!CODE.test(code)) return yield* invalid("a code is 3 to 32 of A-Z, 0-9, _ and -")
    const rule = yield* validCodeRule(cmd.rule)
    const ids = yield* Ids
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    const id = yield* ids.next("code")
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AdminStore
        if (yield* store.liveCodeExists(code)) return yield* invalid(`the code ${code} is already in use`)
        yield* store.insertDiscountCode({ id, code, by: actor.id, at, rule })
        yield* recordAdminAction(actor, { action: "DISCOUNT_CODE.CREATE", entity: "discount_code", entityId: id, before: null, after: { code, version: 1, status: "ACTIVE", rule } }, [
          { type: "DISCOUNT_CODE_CREATED", aggregateType: "DISCOUNT_CODE", aggregateId: id, payload: { discountCodeId: id, code, version: 1, at } }
        ])
        return { discountCodeId: id, version: 1 }
      })
    )
  }).pipe(Effect.withSpan("Admin.createDiscountCode"))

export const reviseDiscountCode = (actor: AdminActor, cmd: { readonly discountCodeId: string; readonly rule: DiscountCodeRule; readonly reason?: string | undefined }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "incentives.manage")
    const rule = yield* validCodeRule(cmd.rule)
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AdminStore
        const current = yield* found("discount code", cmd.discountCodeId, store.lockDiscountCode(cmd.discountCodeId))
        if (current.status === "ENDED") return yield* new AdminIllegalChange({ entity: "discount code", from: current.status, change: "REVISE" })
        const version = current.currentVersion + 1
        yield* store.appendDiscountCodeVersion(current.id, version, rule, actor.id, at)
        yield* recordAdminAction(
          actor,
          { action: "DISCOUNT_CODE.REVISE", entity: "discount_code", entityId: current.id, before: { version: current.currentVersion, rule: current.rule }, after: { version, rule }, reason: cmd.reason?.trim() || null },
          [{ type: "DISCOUNT_CODE_REVISED", aggregateType: "DISCOUNT_CODE", aggregateId: current.id, payload: { discountCodeId: current.id, from: current.currentVersion, version, at } }]
        )
        return { discountCodeId: current.id, version }
      })
    )
  }).pipe(Effect.withSpan("Admin.reviseDiscountCode"))

export const changeDiscountCodeStatus = (actor: AdminActor, cmd: { readonly discountCodeId: string; readonly change: StatusChange; readonly reason?: string | undefined }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "incentives.manage")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AdminStore
        const current = yield* found("discount code", cmd.discountCodeId, store.lockDiscountCode(cmd.discountCodeId))
        const rule = statusChanges[cmd.change]
        if (!rule.from.includes(current.status)) return yield* new AdminIllegalChange({ entity: "discount code", from: current.status, change: cmd.change })
        yield* store.setDiscountCodeStatus(current.id, rule.to, at)
        yield* recordAdminAction(
          actor,
          { action: `DISCOUNT_CODE.${cmd.change}`, entity: "discount_code", entityId: current.id, before: { status: current.status }, after: { status: rule.to }, reason: cmd.reason?.trim() || null },
          [{ type: `DISCOUNT_CODE_${rule.to === "ACTIVE" ? "RESUMED" : rule.to}`, aggregateType: "DISCOUNT_CODE", aggregateId: current.id, payload: { discountCodeId: current.id, from: current.status, to: rule.to, at } }]
        )
        return { discountCodeId: current.id, status: rule.to }
      })
    )
  }).pipe(Effect.withSpan("Admin.changeDiscountCodeStatus"))
