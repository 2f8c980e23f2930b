/**
 * Promotions and discount codes, run by platform admins. A rule is never edited in place: a change
 * appends a new immutable version and moves the head's current_version, so an order's snapshot keeps
 * pointing at the (id, version) it used. Schedule = a version whose start is in the future; pause,
 * resume and end are status changes on the head.
 */
import { DiscountCodeId, PromotionId } from "../../domain/ids.js"
import type { AdminUserId } from "../../domain/ids.js"
import { Clock, Effect, Option, Schema } from "effect"
import { discountCodeKey, IncentiveEffect, PromotionScope } from "../../domain/incentives.js"
import { format, maxEntered, Money, withinEntered } from "../../domain/money.js"
import type { Currency } from "../../domain/money.js"
import { describeIssues, schemaIssues } from "../../domain/schema-issues.js"
import { Ids } from "../ports/ids.js"
import { Outbox } from "../ports/outbox.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"
import { AdminIllegalChange, AdminInvalidInput } from "./admin.errors.js"
import { authorize } from "./admin-roles.js"
import type { AdminActor } from "./admin-roles.js"
import { AdminStore } from "./admin.port.js"
import type { DiscountCodeRule, IncentiveStatus, PromotionRule } from "./admin.port.js"
import { found, optionalText, recordAdminAction, requiredText } from "./record-admin-action.js"

const invalid = (detail: string) => new AdminInvalidInput({ detail })

const decode = <A, I>(schema: Schema.Schema<A, I>, value: unknown, what: string) =>
  Effect.mapError(Schema.decodeUnknown(schema)(value), (e) => invalid(`${what}: ${describeIssues(schemaIssues(e))}`))

const limit = (value: number | null, what: string) =>
  value === null || (Number.isSafeInteger(value) && value > 0) ? Effect.succeed(value) : Effect.fail(invalid(`${what} must be a whole number above zero`))

const sameCurrency = (currency: Currency, amounts: ReadonlyArray<{ readonly currency: Currency } | undefined>) =>
  amounts.every((m) => m === undefined || m.currency === currency) ? Effect.void : Effect.fail(invalid(`every amount must be in ${currency}`))

/**
 * Amounts an admin types (an amount off, a cap, a minimum subtotal) are bounded like a seller's price
 * (Money.MAX_ENTERED_MINOR), so the platform's own incentives can never push arithmetic past exact
 * integers; zero or more (a positive amount off is checked separately).
 */
const bounded = (amounts: ReadonlyArray<readonly [string, Money | undefined]>) =>
  Effect.forEach(amounts, ([what, m]) =>
    m === undefined || (m.amount >= 0 && withinEntered(m))
      ? Effect.void
      : Effect.fail(invalid(`${what} must be between 0 and ${format(maxEntered(m.currency))}`))
  )

const effectAmounts = (effect: IncentiveEffect): ReadonlyArray<readonly [string, Money | undefined]> =>
  effect._tag === "PERCENT_OFF" ? [["the cap", effect.cap]] : effect._tag === "AMOUNT_OFF" ? [["the amount off", effect.amount]] : []

/** The rule checked against the domain's schemas (the same ones checkout decodes it with). */
const validPromotionRule = (rule: PromotionRule) =>
  Effect.gen(function* () {
    if (!Number.isSafeInteger(rule.priority)) return yield* invalid("priority must be a whole number")
    if (!(rule.endsAt > rule.startsAt)) return yield* invalid("the end must be after the start")
    const scope = yield* decode(PromotionScope, rule.scope, "scope")
    const effect = yield* decode(IncentiveEffect, rule.effect, "effect")
    const minSubtotal = rule.minSubtotal === undefined ? undefined : yield* decode(Money, rule.minSubtotal, "minimum subtotal")
    yield* sameCurrency(rule.currency, [minSubtotal, effect._tag === "PERCENT_OFF" ? effect.cap : effect._tag === "AMOUNT_OFF" ? effect.amount : undefined])
    yield* bounded([["the minimum subtotal", minSubtotal], ...effectAmounts(effect)])
    if (effect._tag === "AMOUNT_OFF" && effect.amount.amount <= 0) return yield* invalid("the amount off must be above zero")
    return {
      ...rule,
      scope,
      effect,
      minSubtotal,
      globalLimit: yield* limit(rule.globalLimit, "the global limit"),
      perBuyerLimit: yield* limit(rule.perBuyerLimit, "the per-buyer limit")
    }
  })

const validCodeRule = (rule: DiscountCodeRule) =>
  Effect.gen(function* () {
    if (rule.startsAt !== null && !(rule.expiresAt > rule.startsAt)) return yield* invalid("the expiry must be after the start")
    if (!Number.isSafeInteger(rule.minSubtotal) || rule.minSubtotal < 0) return yield* invalid("the minimum subtotal must be zero or more")
    const effect = yield* decode(IncentiveEffect, rule.effect, "effect")
    yield* sameCurrency(rule.currency, [effect._tag === "PERCENT_OFF" ? effect.cap : effect._tag === "AMOUNT_OFF" ? effect.amount : undefined])
    yield* bounded([["the minimum subtotal", { amount: rule.minSubtotal, currency: rule.currency }], ...effectAmounts(effect)])
    return {
      ...rule,
      effect,
      globalLimit: yield* limit(rule.globalLimit, "the global limit"),
      perBuyerLimit: yield* limit(rule.perBuyerLimit, "the per-buyer limit")
    }
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
    const id = PromotionId.make(yield* ids.next("promo"))
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AdminStore
        yield* store.insertPromotion({ id, name, by: actor.id, at, rule })
        yield* recordAdminAction(
          actor,
          { action: "PROMOTION.CREATE", entity: "promotion", entityId: id, before: null, after: { name, version: 1, status: "ACTIVE", rule } },
          [{ type: "PROMOTION_CREATED", aggregateType: "PROMOTION", aggregateId: id, payload: { promotionId: id, version: 1, at } }]
        )
        return { promotionId: id, version: 1 }
      })
    )
  }).pipe(Effect.withSpan("Admin.createPromotion"))

// ---------------------------------------------------------------------------------------------
// Discount codes

const CODE = /^[A-Z0-9_-]{3,32}$/

export const createDiscountCode = (actor: AdminActor, cmd: { readonly code: string; readonly rule: DiscountCodeRule }) =>
  Effect.gen(function* () {
    yield* authorize(actor, "incentives.manage")
    const code = discountCodeKey(cmd.code)
    if (!CODE.test(code)) return yield* invalid("a code is 3 to 32 of A-Z, 0-9, _ and -")
    const rule = yield* validCodeRule(cmd.rule)
    const ids = yield* Ids
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    const id = DiscountCodeId.make(yield* ids.next("code"))
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AdminStore
        if (yield* store.liveCodeExists(code)) return yield* invalid(`the code ${code} is already in use`)
        yield* store.insertDiscountCode({ id, code, by: actor.id, at, rule })
        yield* recordAdminAction(
          actor,
          { action: "DISCOUNT_CODE.CREATE", entity: "discount_code", entityId: id, before: null, after: { code, version: 1, status: "ACTIVE", rule } },
          [{ type: "DISCOUNT_CODE_CREATED", aggregateType: "DISCOUNT_CODE", aggregateId: id, payload: { discountCodeId: id, code, version: 1, at } }]
        )
        return { discountCodeId: id, version: 1 }
      })
    )
  }).pipe(Effect.withSpan("Admin.createDiscountCode"))

// ---------------------------------------------------------------------------------------------
// Revisions and status changes: the same for both kinds of incentive

interface IncentiveKind<Id extends string, Rule> {
  /** for people: error messages */
  readonly entity: "promotion" | "discount code"
  /** for the audit log */
  readonly auditEntity: "promotion" | "discount_code"
  /** action and event prefix, and the outbox aggregate */
  readonly prefix: "PROMOTION" | "DISCOUNT_CODE"
  /** the id's name in events and results */
  readonly idKey: "promotionId" | "discountCodeId"
  readonly lock: (
    store: AdminStore["Type"],
    id: Id
  ) => Effect.Effect<
    Option.Option<{ readonly id: Id; readonly status: IncentiveStatus; readonly currentVersion: number; readonly rule: Rule }>,
    StoreUnavailable
  >
  readonly append: (store: AdminStore["Type"], id: Id, version: number, rule: Rule, by: AdminUserId, at: number) => Effect.Effect<void, StoreUnavailable>
  readonly setStatus: (store: AdminStore["Type"], id: Id, status: IncentiveStatus, at: number) => Effect.Effect<void, StoreUnavailable>
}

const promotions: IncentiveKind<PromotionId, PromotionRule> = {
  entity: "promotion",
  auditEntity: "promotion",
  prefix: "PROMOTION",
  idKey: "promotionId",
  lock: (store, id) => store.lockPromotion(id),
  append: (store, ...args) => store.appendPromotionVersion(...args),
  setStatus: (store, ...args) => store.setPromotionStatus(...args)
}

const discountCodes: IncentiveKind<DiscountCodeId, DiscountCodeRule> = {
  entity: "discount code",
  auditEntity: "discount_code",
  prefix: "DISCOUNT_CODE",
  idKey: "discountCodeId",
  lock: (store, id) => store.lockDiscountCode(id),
  append: (store, ...args) => store.appendDiscountCodeVersion(...args),
  setStatus: (store, ...args) => store.setDiscountCodeStatus(...args)
}

/** Appends version n+1 of an (already validated) rule and moves the head to it. */
const revise = <Id extends string, Rule>(kind: IncentiveKind<Id, Rule>, actor: AdminActor, id: Id, rule: Rule, rawReason: string | undefined) =>
  Effect.gen(function* () {
    const reason = yield* optionalText(rawReason, "the reason")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AdminStore
        const current = yield* found(kind.entity, id, kind.lock(store, id))
        if (current.status === "ENDED") return yield* new AdminIllegalChange({ entity: kind.entity, from: current.status, change: "REVISE" })
        const version = current.currentVersion + 1
        yield* kind.append(store, current.id, version, rule, actor.id, at)
        yield* recordAdminAction(
          actor,
          {
            action: `${kind.prefix}.REVISE`,
            entity: kind.auditEntity,
            entityId: current.id,
            before: { version: current.currentVersion, rule: current.rule },
            after: { version, rule },
            reason: reason ?? null
          },
          [
            {
              type: `${kind.prefix}_REVISED`,
              aggregateType: kind.prefix,
              aggregateId: current.id,
              payload: { [kind.idKey]: current.id, from: current.currentVersion, version, at }
            }
          ]
        )
        return { id: current.id, version }
      })
    )
  })

/** PAUSE / RESUME / END on the head, as `statusChanges` allows. */
const changeStatus = <Id extends string, Rule>(kind: IncentiveKind<Id, Rule>, actor: AdminActor, id: Id, change: StatusChange, rawReason: string | undefined) =>
  Effect.gen(function* () {
    yield* authorize(actor, "incentives.manage")
    const reason = yield* optionalText(rawReason, "the reason")
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AdminStore
        const current = yield* found(kind.entity, id, kind.lock(store, id))
        const rule = statusChanges[change]
        if (!rule.from.includes(current.status)) return yield* new AdminIllegalChange({ entity: kind.entity, from: current.status, change })
        yield* kind.setStatus(store, current.id, rule.to, at)
        yield* recordAdminAction(
          actor,
          {
            action: `${kind.prefix}.${change}`,
            entity: kind.auditEntity,
            entityId: current.id,
            before: { status: current.status },
            after: { status: rule.to },
            reason: reason ?? null
          },
          [
            {
              type: `${kind.prefix}_${rule.to === "ACTIVE" ? "RESUMED" : rule.to}`,
              aggregateType: kind.prefix,
              aggregateId: current.id,
              payload: { [kind.idKey]: current.id, from: current.status, to: rule.to, at }
            }
          ]
        )
        return { id: current.id, status: rule.to }
      })
    )
  })

export const revisePromotion = (
  actor: AdminActor,
  cmd: { readonly promotionId: PromotionId; readonly rule: PromotionRule; readonly reason?: string | undefined }
) =>
  Effect.gen(function* () {
    yield* authorize(actor, "incentives.manage")
    const rule = yield* validPromotionRule(cmd.rule)
    const { id, version } = yield* revise(promotions, actor, cmd.promotionId, rule, cmd.reason)
    return { promotionId: id, version }
  }).pipe(Effect.withSpan("Admin.revisePromotion"))

export const changePromotionStatus = (
  actor: AdminActor,
  cmd: { readonly promotionId: PromotionId; readonly change: StatusChange; readonly reason?: string | undefined }
) =>
  Effect.map(changeStatus(promotions, actor, cmd.promotionId, cmd.change, cmd.reason), ({ id, status }) => ({ promotionId: id, status })).pipe(
    Effect.withSpan("Admin.changePromotionStatus")
  )

export const reviseDiscountCode = (
  actor: AdminActor,
  cmd: { readonly discountCodeId: DiscountCodeId; readonly rule: DiscountCodeRule; readonly reason?: string | undefined }
) =>
  Effect.gen(function* () {
    yield* authorize(actor, "incentives.manage")
    const rule = yield* validCodeRule(cmd.rule)
    const { id, version } = yield* revise(discountCodes, actor, cmd.discountCodeId, rule, cmd.reason)
    return { discountCodeId: id, version }
  }).pipe(Effect.withSpan("Admin.reviseDiscountCode"))

export const changeDiscountCodeStatus = (
  actor: AdminActor,
  cmd: { readonly discountCodeId: DiscountCodeId; readonly change: StatusChange; readonly reason?: string | undefined }
) =>
  Effect.map(changeStatus(discountCodes, actor, cmd.discountCodeId, cmd.change, cmd.reason), ({ id, status }) => ({ discountCodeId: id, status })).pipe(
    Effect.withSpan("Admin.changeDiscountCodeStatus")
  )

/**
 * A discount code the platform issues by itself (no admin behind it): the same validation, table and
 * event as an admin's code, so checkout applies it under the same rules (one code per order, after
 * the one promotion; its own expiry and limits). Runs inside the caller's transaction. A rule that
 * fails validation here is a bug in the caller, not bad input.
 */
export const issuePlatformDiscountCode = (cmd: { readonly code: string; readonly rule: DiscountCodeRule; readonly purpose: string }) =>
  Effect.gen(function* () {
    const code = discountCodeKey(cmd.code)
    if (!CODE.test(code)) return yield* Effect.die(new Error(`issuePlatformDiscountCode: bad code ${code}`))
    const rule = yield* Effect.orDie(validCodeRule(cmd.rule))
    const store = yield* AdminStore
    if (yield* store.liveCodeExists(code)) return Option.none<DiscountCodeId>()
    const id = DiscountCodeId.make(yield* Effect.flatMap(Ids, (ids) => ids.next("code")))
    const at = yield* Clock.currentTimeMillis
    yield* store.insertDiscountCode({ id, code, by: null, at, rule })
    yield* Effect.flatMap(Outbox, (o) =>
      o.append([
        {
          type: "DISCOUNT_CODE_CREATED",
          aggregateType: "DISCOUNT_CODE",
          aggregateId: id,
          payload: { discountCodeId: id, code, version: 1, at, issuedBy: "PLATFORM", purpose: cmd.purpose }
        }
      ])
    )
    return Option.some(id)
  }).pipe(Effect.withSpan("Incentives.issuePlatformDiscountCode"))
