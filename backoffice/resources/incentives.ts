/**
 * Promotions and discount codes: create, schedule (a start in the future), revise (a new version),
 * pause, resume, end. Lists show burns against limits and what the platform has spent: burns on
 * orders that were paid and not refunded or cancelled (money actually given away), and what is
 * committed on orders still awaiting payment.
 */
import { Effect } from "effect"
import type { Schema } from "effect"
import { DiscountCodeId, PromotionId } from "../../domain/ids.js"
import type { ResourceWithOptions } from "adminjs"
import {
  changeDiscountCodeStatus,
  changePromotionStatus,
  createDiscountCode,
  createPromotion,
  reviseDiscountCode,
  revisePromotion,
  statusChanges
} from "../../application/admin/manage-incentives.js"
import type { StatusChange } from "../../application/admin/manage-incentives.js"
import type { DiscountCodeRule, IncentiveStatus, PromotionRule } from "../../application/admin/admin.port.js"
import type { IncentiveEffect, PromotionScope } from "../../domain/incentives.js"
import type { Currency } from "../../domain/money.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import type { PlatformServices } from "../../composition/platform.js"
import { decodeForm, FormError, instant, readOnlyActions, recordIdAs, shillingsToMinor, text, wholeNumber, writeAction } from "../actions.js"
import type { BackofficeContext, Field, Payload } from "../actions.js"
import { effectText, money, nairobiLocal, scopeIds, scopeText, usage } from "../display.js"
import { ReadModelResource } from "../read-model.js"

const CURRENCY: Currency = "KES"
const SPENT_STATES = `('PAID','ACCEPTED','DISPATCHED','PICKED_UP','IN_TRANSIT','DELIVERED','DELIVERY_FAILED','RETURNED','COMPLETED','DISPUTED')`
const PENDING_STATES = `('PENDING_PAYMENT','PAYMENT_FAILED')`

/** Burns joined to the order (promotions) or the checkout (codes) they were spent on. */
const spend = (column: "promotion_id" | "discount_code_id", id: string) => `
  left join lateral (
    select coalesce(sum(b.amount) filter (where coalesce(o.state, c.state) in ${SPENT_STATES}), 0)::bigint as spent,
           coalesce(sum(b.amount) filter (where coalesce(o.state, c.state) in ${PENDING_STATES}), 0)::bigint as committed
      from incentive_burns b left join orders o on o.id = b.order_id join checkouts c on c.id = b.checkout_id
     where b.${column} = ${id} and b.state = 'ACTIVE'
  ) sp on true`

const effectFields: ReadonlyArray<Field> = [
  {
    name: "effect",
    label: "Effect",
    type: "select",
    required: true,
    from: "effect_kind",
    options: [
      { value: "PERCENT_OFF", label: "Percent off" },
      { value: "AMOUNT_OFF", label: "Amount off" },
      { value: "FREE_SHIPPING", label: "Free shipping" }
    ]
  },
  { name: "percent", label: "Percent off (e.g. 10 or 12.5)", type: "number", from: "percent" },
  { name: "cap", label: "Cap on a percent discount, KES (optional)", type: "number", from: "cap_kes" },
  { name: "amount", label: "Amount off, KES", type: "number", from: "amount_kes" }
]

const limitFields: ReadonlyArray<Field> = [
  { name: "global_limit", label: "Uses in total (optional)", type: "number", from: "global_limit" },
  { name: "per_buyer_limit", label: "Uses per buyer (optional)", type: "number", from: "per_buyer_limit" }
]

const effectFrom = (p: Payload): IncentiveEffect => {
  switch (text(p, "effect")) {
    case "PERCENT_OFF": {
      const raw = text(p, "percent")
      if (!raw || !/^\d{1,3}(\.\d{1,2})?$/.test(raw)) throw new FormError("percent off: a number like 10 or 12.5")
      const bps = Math.round(Number(raw) * 100)
      const cap = shillingsToMinor(text(p, "cap"), "cap")
      return { _tag: "PERCENT_OFF", bps, ...(cap !== undefined && { cap: { amount: cap, currency: CURRENCY } }) }
    }
    case "AMOUNT_OFF": {
      const amount = shillingsToMinor(text(p, "amount"), "amount off")
      if (amount === undefined) throw new FormError("amount off: required")
      return { _tag: "AMOUNT_OFF", amount: { amount, currency: CURRENCY } }
    }
    case "FREE_SHIPPING":
      return { _tag: "FREE_SHIPPING" }
    default:
      throw new FormError("choose an effect")
  }
}

const idList = (p: Payload) => (text(p, "scope_ids") ?? "").split(/[\s,]+/).filter((s) => s !== "")

const scopeFrom = (p: Payload): PromotionScope => {
  const kind = text(p, "scope") ?? "EVERYTHING"
  if (kind === "EVERYTHING") return { _tag: "EVERYTHING" }
  const ids = idList(p)
  const [first, ...rest] = ids
  if (first === undefined) throw new FormError("list the ids the promotion applies to")
  const list = [first, ...rest] as const
  if (kind === "CATEGORY") return { _tag: "CATEGORY", categoryIds: list } as unknown as PromotionScope
  if (kind === "SELLER") return { _tag: "SELLER", storeIds: list } as unknown as PromotionScope
  if (kind === "PRODUCTS") return { _tag: "PRODUCTS", productIds: list } as unknown as PromotionScope
  throw new FormError("choose what the promotion applies to")
}

const promotionRuleFrom = (p: Payload): PromotionRule => {
  const startsAt = instant(text(p, "starts_at"), "start")
  const endsAt = instant(text(p, "ends_at"), "end")
  if (startsAt === undefined || endsAt === undefined) throw new FormError("a promotion needs a start and an end")
  const minSubtotal = shillingsToMinor(text(p, "min_subtotal"), "minimum subtotal")
  return {
    priority: wholeNumber(text(p, "priority"), "priority") ?? 0,
    startsAt,
    endsAt,
    scope: scopeFrom(p),
    ...(minSubtotal !== undefined && minSubtotal > 0 && { minSubtotal: { amount: minSubtotal, currency: CURRENCY } }),
    effect: effectFrom(p),
    currency: CURRENCY,
    globalLimit: wholeNumber(text(p, "global_limit"), "uses in total") ?? null,
    perBuyerLimit: wholeNumber(text(p, "per_buyer_limit"), "uses per buyer") ?? null
  }
}

const codeRuleFrom = (p: Payload): DiscountCodeRule => {
  const expiresAt = instant(text(p, "expires_at"), "expiry")
  if (expiresAt === undefined) throw new FormError("a code needs an expiry")
  return {
    startsAt: instant(text(p, "starts_at"), "start") ?? null,
    expiresAt,
    currency: CURRENCY,
    minSubtotal: shillingsToMinor(text(p, "min_subtotal"), "minimum subtotal") ?? 0,
    effect: effectFrom(p),
    globalLimit: wholeNumber(text(p, "global_limit"), "uses in total") ?? null,
    perBuyerLimit: wholeNumber(text(p, "per_buyer_limit"), "uses per buyer") ?? null
  }
}

const promotionRuleFields: ReadonlyArray<Field> = [
  { name: "priority", label: "Priority (higher wins; one promotion per order)", type: "number", from: "priority" },
  { name: "starts_at", label: "Starts (Nairobi time)", type: "datetime", required: true, from: "starts_local" },
  { name: "ends_at", label: "Ends (Nairobi time)", type: "datetime", required: true, from: "ends_local" },
  {
    name: "scope",
    label: "Applies to",
    type: "select",
    required: true,
    from: "scope_kind",
    options: [
      { value: "EVERYTHING", label: "Everything" },
      { value: "CATEGORY", label: "Categories" },
      { value: "SELLER", label: "Sellers" },
      { value: "PRODUCTS", label: "Products" }
    ]
  },
  { name: "scope_ids", label: "Category / seller / product ids (comma-separated)", type: "text", from: "scope_ids" },
  { name: "min_subtotal", label: "Minimum subtotal, KES (optional)", type: "number", from: "min_subtotal_kes" },
  ...effectFields,
  ...limitFields
]

const kesInput = (minor: unknown) => (typeof minor === "number" ? String(minor / 100) : "")

const ruleParams = (row: Record<string, unknown>, startsColumn: string, endsColumn: string) => {
  const effect = row["effect"] as IncentiveEffect | null
  return {
    effect_text: effectText(effect),
    effect_kind: effect?._tag ?? "",
    percent: effect?._tag === "PERCENT_OFF" ? String(effect.bps / 100) : "",
    cap_kes: effect?._tag === "PERCENT_OFF" && effect.cap ? kesInput(effect.cap.amount) : "",
    amount_kes: effect?._tag === "AMOUNT_OFF" ? kesInput(effect.amount.amount) : "",
    starts_local: nairobiLocal(row[startsColumn]),
    ends_local: nairobiLocal(row[endsColumn]),
    burns: usage(row["uses"], row["global_limit"]),
    platform_spend: money(row["spent"], row["currency"]),
    committed_spend: money(row["committed"], row["currency"])
  }
}

const phaseValues = ["LIVE", "SCHEDULED", "EXPIRED", "PAUSED", "ENDED"].map((v) => ({ value: v, label: v }))

/** Columns both lists show after their own: burns against limits, spend, versions, who and when. */
const sharedProperties = [
  { path: "burns", filter: "none", sortable: false },
  { path: "per_buyer_limit", type: "number", filter: "none" },
  { path: "platform_spend", filter: "none", sortable: false },
  { path: "committed_spend", filter: "none", sortable: false },
  { path: "current_version", type: "number", filter: "none" },
  { path: "versions", type: "number", filter: "none" },
  { path: "created_by" },
  { path: "created_at", type: "datetime", filter: "range" }
] as const
const sharedShown = ["burns", "per_buyer_limit", "platform_spend", "committed_spend", "current_version", "versions", "created_by", "created_at"]

type ReadModelSpec = ConstructorParameters<typeof ReadModelResource>[0]
type Run<Id> = (actor: AdminActor, payload: Payload, id: Id) => Effect.Effect<string, unknown, PlatformServices>

/**
 * What a promotion and a discount code differ in; the resource around it (statuses, revise, the
 * shared columns) is one. `first` columns come before the shared ones, `shown` lists the show page's own.
 */
interface IncentiveKind<Id extends string, Rule> {
  readonly id: "promotions" | "discount_codes"
  /** the record id's brand, decoded before any use case runs */
  readonly recordId: Schema.Schema<Id, string>
  /** "Promotion", "Code": the start of the notices */
  readonly noun: string
  readonly query: string
  readonly first: ReadModelSpec["properties"]
  readonly format: NonNullable<ReadModelSpec["format"]>
  readonly list: ReadonlyArray<string>
  readonly shown: ReadonlyArray<string>
  readonly filters: ReadonlyArray<string>
  readonly ruleFields: ReadonlyArray<Field>
  readonly ruleFrom: (p: Payload) => Rule
  readonly create: {
    readonly name: string
    readonly label: string
    readonly submitLabel: string
    readonly fields: ReadonlyArray<Field>
    readonly run: (actor: AdminActor, payload: Payload, rule: Rule) => Effect.Effect<string, unknown, PlatformServices>
  }
  readonly revise: (actor: AdminActor, id: Id, rule: Rule, reason: string | undefined) => Effect.Effect<{ readonly version: number }, unknown, PlatformServices>
  readonly changeStatus: (actor: AdminActor, id: Id, change: StatusChange, reason: string | undefined) => Effect.Effect<unknown, unknown, PlatformServices>
}

const incentiveResource = <Id extends string, Rule>(ctx: BackofficeContext, kind: IncentiveKind<Id, Rule>): ResourceWithOptions => {
  const record = (
    name: string,
    fields: ReadonlyArray<Field>,
    when: (p: Readonly<Record<string, unknown>>) => boolean,
    run: Run<Id>,
    look: { readonly icon: string; readonly label: string; readonly submitLabel: string; readonly variant?: "danger" | "primary" }
  ) =>
    writeAction(ctx, kind.id, name, {
      actionType: "record",
      capability: "incentives.manage",
      ...look,
      fields,
      when,
      run: (actor, payload, id) => Effect.flatMap(recordIdAs(kind.recordId, id, kind.noun.toLowerCase()), (recordId) => run(actor, payload, recordId))
    })
  const status = (change: StatusChange, label: string, icon: string, variant: "danger" | "primary") =>
    record(
      change.toLowerCase(),
      [{ name: "reason", label: "Why (optional)", type: "textarea" }],
      (p) => statusChanges[change].from.includes(p["status"] as IncentiveStatus),
      (actor, payload, id) =>
        Effect.as(kind.changeStatus(actor, id, change, text(payload, "reason")), `${kind.noun} ${statusChanges[change].to.toLowerCase()}`),
      { icon, label, submitLabel: label, variant }
    )
  return {
    resource: new ReadModelResource({ id: kind.id, query: kind.query, properties: [...kind.first, ...sharedProperties], format: kind.format }, ctx.read),
    options: {
      id: kind.id,
      navigation: { name: "Incentives", icon: "Percent" },
      sort: { sortBy: "created_at", direction: "desc" },
      listProperties: [...kind.list],
      showProperties: [...kind.shown, ...sharedShown],
      filterProperties: [...kind.filters],
      properties: { phase: { availableValues: phaseValues }, status: { availableValues: ["ACTIVE", "PAUSED", "ENDED"].map((v) => ({ value: v, label: v })) } },
      actions: {
        ...readOnlyActions("incentives.read"),
        [kind.create.name]: writeAction(ctx, kind.id, kind.create.name, {
          actionType: "resource",
          capability: "incentives.manage",
          icon: "Plus",
          label: kind.create.label,
          submitLabel: kind.create.submitLabel,
          fields: [...kind.create.fields, ...kind.ruleFields],
          run: (actor, payload) => decodeForm(() => kind.ruleFrom(payload)).pipe(Effect.flatMap((rule) => kind.create.run(actor, payload, rule)))
        }),
        revise: record(
          "revise",
          [...kind.ruleFields, { name: "reason", label: "Why (optional)", type: "textarea" }],
          (p) => p["status"] !== "ENDED",
          (actor, payload, id) =>
            decodeForm(() => kind.ruleFrom(payload)).pipe(
              Effect.flatMap((rule) => kind.revise(actor, id, rule, text(payload, "reason"))),
              Effect.map((r) => `${kind.noun} now at version ${r.version}`)
            ),
          { icon: "Edit", label: "Revise (new version)", submitLabel: "Save as a new version" }
        ),
        pause: status("PAUSE", "Pause", "PauseCircle", "danger"),
        resume: status("RESUME", "Resume", "PlayCircle", "primary"),
        end: status("END", "End", "StopCircle", "danger")
      }
    }
  }
}

export const promotionsResource = (ctx: BackofficeContext): ResourceWithOptions =>
  incentiveResource<PromotionId, PromotionRule>(ctx, {
    id: "promotions",
    recordId: PromotionId,
    noun: "Promotion",
    query: `select p.id, p.name, p.status, p.current_version, v.priority, v.starts_at, v.ends_at, v.eligibility, v.effect, v.currency,
                   v.global_limit, v.per_buyer_limit, p.uses, p.created_at, p.updated_at, a.email as created_by,
                   case when p.status <> 'ACTIVE' then p.status when now() < v.starts_at then 'SCHEDULED' when now() >= v.ends_at then 'EXPIRED' else 'LIVE' end as phase,
                   sp.spent, sp.committed,
                   (select count(*)::int from promotion_versions pv where pv.promotion_id = p.id) as versions
              from promotions p join promotion_versions v on v.promotion_id = p.id and v.version = p.current_version
              left join admin_users a on a.id = p.created_by
              ${spend("promotion_id", "p.id")}`,
    first: [
      { path: "id", isId: true, filter: "exact" },
      { path: "name" },
      { path: "phase", filter: "exact" },
      { path: "status", filter: "exact" },
      { path: "effect_text", filter: "none", sortable: false },
      { path: "scope_text", filter: "none", sortable: false },
      { path: "priority", type: "number", filter: "none" },
      { path: "starts_at", type: "datetime", filter: "range" },
      { path: "ends_at", type: "datetime", filter: "range" }
    ],
    format: (row) => {
      const eligibility = row["eligibility"] as { scope?: PromotionScope; minSubtotal?: { amount: number; currency: string } } | null
      return {
        ...ruleParams(row, "starts_at", "ends_at"),
        scope_text: `${scopeText(eligibility?.scope)}${eligibility?.minSubtotal ? `, over ${money(eligibility.minSubtotal.amount, eligibility.minSubtotal.currency)}` : ""}`,
        scope_kind: eligibility?.scope?._tag ?? "EVERYTHING",
        scope_ids: scopeIds(eligibility?.scope),
        min_subtotal_kes: eligibility?.minSubtotal ? kesInput(eligibility.minSubtotal.amount) : ""
      }
    },
    list: ["name", "phase", "effect_text", "scope_text", "priority", "burns", "platform_spend", "ends_at"],
    shown: ["id", "name", "phase", "status", "effect_text", "scope_text", "priority", "starts_at", "ends_at"],
    filters: ["name", "phase", "status", "starts_at", "ends_at"],
    ruleFields: promotionRuleFields,
    ruleFrom: promotionRuleFrom,
    create: {
      name: "createPromotion",
      label: "New promotion",
      submitLabel: "Create promotion",
      fields: [{ name: "name", label: "Name (buyers see it)", type: "text", required: true }],
      run: (actor, payload, rule) =>
        Effect.map(createPromotion(actor, { name: text(payload, "name") ?? "", rule }), (r) => `Promotion ${r.promotionId} created`)
    },
    revise: (actor, promotionId, rule, reason) => revisePromotion(actor, { promotionId, rule, reason }),
    changeStatus: (actor, promotionId, change, reason) => changePromotionStatus(actor, { promotionId, change, reason })
  })

const codeRuleFields: ReadonlyArray<Field> = [
  { name: "starts_at", label: "Starts (Nairobi time, optional)", type: "datetime", from: "starts_local" },
  { name: "expires_at", label: "Expires (Nairobi time)", type: "datetime", required: true, from: "ends_local" },
  { name: "min_subtotal", label: "Minimum subtotal, KES (optional)", type: "number", from: "min_subtotal_kes" },
  ...effectFields,
  ...limitFields
]

export const discountCodesResource = (ctx: BackofficeContext): ResourceWithOptions =>
  incentiveResource<DiscountCodeId, DiscountCodeRule>(ctx, {
    id: "discount_codes",
    recordId: DiscountCodeId,
    noun: "Code",
    query: `select d.id, d.code, d.status, d.current_version, v.starts_at, v.expires_at, v.effect, v.currency, v.min_subtotal,
                   v.global_limit, v.per_buyer_limit, d.uses, d.created_at, a.email as created_by,
                   case when d.status <> 'ACTIVE' then d.status when v.starts_at is not null and now() < v.starts_at then 'SCHEDULED'
                        when now() >= v.expires_at then 'EXPIRED' else 'LIVE' end as phase,
                   sp.spent, sp.committed,
                   (select count(*)::int from discount_code_versions dv where dv.discount_code_id = d.id) as versions
              from discount_codes d join discount_code_versions v on v.discount_code_id = d.id and v.version = d.current_version
              left join admin_users a on a.id = d.created_by
              ${spend("discount_code_id", "d.id")}`,
    first: [
      { path: "id", isId: true, filter: "exact" },
      { path: "code" },
      { path: "phase", filter: "exact" },
      { path: "status", filter: "exact" },
      { path: "effect_text", filter: "none", sortable: false },
      { path: "minimum", filter: "none", sortable: false },
      { path: "starts_at", type: "datetime", filter: "range" },
      { path: "expires_at", type: "datetime", filter: "range" }
    ],
    format: (row) => ({
      ...ruleParams(row, "starts_at", "expires_at"),
      minimum: money(row["min_subtotal"], row["currency"]),
      min_subtotal_kes: typeof row["min_subtotal"] === "number" && row["min_subtotal"] > 0 ? kesInput(row["min_subtotal"]) : ""
    }),
    list: ["code", "phase", "effect_text", "minimum", "burns", "platform_spend", "expires_at"],
    shown: ["id", "code", "phase", "status", "effect_text", "minimum", "starts_at", "expires_at"],
    filters: ["code", "phase", "status", "expires_at"],
    ruleFields: codeRuleFields,
    ruleFrom: codeRuleFrom,
    create: {
      name: "createCode",
      label: "New discount code",
      submitLabel: "Create code",
      fields: [{ name: "code", label: "Code (A-Z, 0-9, _ and -)", type: "text", required: true }],
      run: (actor, payload, rule) =>
        Effect.map(createDiscountCode(actor, { code: text(payload, "code") ?? "", rule }), (r) => `Discount code ${r.discountCodeId} created`)
    },
    revise: (actor, discountCodeId, rule, reason) => reviseDiscountCode(actor, { discountCodeId, rule, reason }),
    changeStatus: (actor, discountCodeId, change, reason) => changeDiscountCodeStatus(actor, { discountCodeId, change, reason })
  })
