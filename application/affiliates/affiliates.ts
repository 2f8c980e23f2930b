/**
 * Affiliates: a logged-in user applies; a PLATFORM_ADMIN approves (the user gets the AFFILIATE role
 * and a unique code) or rejects with a reason. An approved affiliate's links record a click (one per
 * visitor per affiliate per Nairobi day; obvious robots leave nothing) and leave an attribution with
 * the visitor's cart owner for 30 days, last click wins; a checkout without an explicit code uses it
 * (CheckoutStore.openCheckout, read with the idempotency key). Commissions and the weekly batch that pays them already exist.
 */
import { Clock, Effect, Option } from "effect"
import { attributionExpiry, commissionRateRanges, isLikelyBot, nairobiDate, nextPayoutSelection } from "../../domain/affiliate.js"
import { CommissionState, DEFAULT_PAYOUT_MINIMUMS, payoutWeekKey } from "../../domain/commission.js"
import { EpochMillis } from "../../domain/ids.js"
import type { UserId } from "../../domain/ids.js"
import * as M from "../../domain/money.js"
import { AdminIllegalChange } from "../admin/admin.errors.js"
import { authorize } from "../admin/admin-roles.js"
import type { AdminActor } from "../admin/admin-roles.js"
import { found, optionalText, recordAdminAction, requiredText } from "../admin/record-admin-action.js"
import type { CartOwner } from "../cart/cart.port.js"
import { AuditLog } from "../ports/audit-log.js"
import { Ids } from "../ports/ids.js"
import { Outbox } from "../ports/outbox.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { AffiliateApplicationOpen, AffiliateCodeNotFound, AlreadyAffiliate, InvalidAffiliateApplication, NotAnAffiliate } from "./affiliate.errors.js"
import { AffiliateStore } from "./affiliate.port.js"
import type { LinkTarget } from "./affiliate.port.js"

/** How a cart owner is named in clicks and attributions. */
export const ownerKey = (owner: CartOwner): string => (owner._tag === "Buyer" ? `buyer:${owner.buyerId}` : `guest:${owner.guestToken}`)

const cleanText = (value: string | undefined, what: string, max: number) =>
  Effect.suspend(() => {
    const text = (value ?? "").trim()
    if (text.length > max) return Effect.fail(new InvalidAffiliateApplication({ detail: `${what} is too long (${max} characters at most)` }))
    return Effect.succeed(text === "" ? undefined : text)
  })

export const applyAsAffiliate = (userId: UserId, input: { readonly pitch: string; readonly channel?: string | undefined }) =>
  Effect.gen(function* () {
    const pitch = yield* cleanText(input.pitch, "the pitch", 1_000)
    if (pitch === undefined) return yield* new InvalidAffiliateApplication({ detail: "say in a few words how you will share Amana's products (the pitch)" })
    const channel = yield* cleanText(input.channel, "the channel", 200)
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    const id = yield* Effect.flatMap(Ids, (ids) => ids.next("afa"))
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AffiliateStore
        const mine = yield* store.affiliateOf(userId)
        if (Option.isSome(mine) && mine.value.active) return yield* new AlreadyAffiliate()
        const open = yield* store.openApplication(userId)
        if (Option.isSome(open)) return yield* new AffiliateApplicationOpen({ applicationId: open.value.id })
        if (!(yield* store.insertApplication({ id, userId, pitch, channel: channel ?? null, at }))) {
          // a concurrent request (a double tap) opened one after our read: the same answer a later request gets
          const opened = yield* store.openApplication(userId)
          return yield* new AffiliateApplicationOpen({ applicationId: Option.match(opened, { onNone: () => "(just opened)", onSome: (o) => o.id }) })
        }
        const seq = yield* Effect.flatMap(AuditLog, (log) =>
          log.append({
            actorKind: "USER",
            actorId: userId,
            actorRole: null,
            action: "AFFILIATE.APPLY",
            entity: "affiliate_application",
            entityId: id,
            before: null,
            after: { state: "PENDING", pitch, channel: channel ?? null },
            reason: null
          })
        )
        yield* Effect.flatMap(Outbox, (o) =>
          o.append([{ type: "AFFILIATE_APPLIED", aggregateType: "AFFILIATE", aggregateId: userId, payload: { applicationId: id, userId, at, auditSeq: seq } }])
        )
        return { applicationId: id, state: "PENDING" as const, createdAt: at }
      })
    )
  }).pipe(Effect.withSpan("Affiliate.apply"))

export type AffiliateDecision = "APPROVE" | "REJECT"

/** A new code: 8 characters of Crockford base32 from the id source (40 random bits), not yet anybody's. */
const newCode = Effect.gen(function* () {
  const ids = yield* Ids
  const store = yield* AffiliateStore
  for (let attempt = 0; attempt < 5; attempt++) {
    const code = (yield* ids.next("aff")).slice(-8).toUpperCase()
    if (!(yield* store.codeTaken(code))) return code
  }
  return yield* Effect.die(new Error("no free affiliate code after 5 attempts"))
})

export const decideAffiliateApplication = (
  actor: AdminActor,
  cmd: { readonly applicationId: string; readonly decision: AffiliateDecision; readonly reason?: string | undefined }
) =>
  Effect.gen(function* () {
    yield* authorize(actor, "affiliates.review")
    // an approval's note is optional, but bounded and printable like every admin note (the column holds 2,000)
    const reason = cmd.decision === "REJECT" ? yield* requiredText(cmd.reason, "a reason") : ((yield* optionalText(cmd.reason, "the note")) ?? null)
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AffiliateStore
        const application = yield* found("affiliate application", cmd.applicationId, store.lockApplication(cmd.applicationId))
        if (application.state !== "PENDING")
          return yield* new AdminIllegalChange({ entity: "affiliate application", from: application.state, change: cmd.decision })
        const state = cmd.decision === "APPROVE" ? ("APPROVED" as const) : ("REJECTED" as const)
        // a user who had a code before (an affiliate whose role was taken away) keeps it: links already shared keep working
        const code =
          state === "APPROVED"
            ? yield* Effect.flatMap(store.affiliateOf(application.userId), Option.match({ onSome: (a) => Effect.succeed(a.code), onNone: () => newCode }))
            : null
        if (code !== null) yield* store.grantAffiliate(application.userId, code, at)
        yield* store.decideApplication(application.id, { state, reason, code, by: actor.id, at })
        yield* recordAdminAction(
          actor,
          {
            action: `AFFILIATE.${cmd.decision}`,
            entity: "affiliate_application",
            entityId: application.id,
            before: { state: application.state, userId: application.userId },
            after: { state, userId: application.userId, code },
            reason
          },
          [
            {
              type: `AFFILIATE_${state}`,
              aggregateType: "AFFILIATE",
              aggregateId: application.userId,
              payload: { applicationId: application.id, userId: application.userId, code, reason, at }
            }
          ]
        )
        return { applicationId: application.id, state, code }
      })
    )
  }).pipe(Effect.withSpan("Admin.decideAffiliateApplication"))

export interface FollowLink {
  readonly code: string
  /** a product id or a store slug (already checked against the wire's id pattern) */
  readonly p?: string | undefined
  /** who clicked, for one click per day: "buyer:<id>", "guest:<token>" or "addr:<keyed hash>" */
  readonly visitor: string
  /** whose cart keeps the attribution (none for a robot) */
  readonly owner: CartOwner | undefined
  readonly userAgent: string | undefined
}

export interface FollowedLink {
  /** where to send the visitor: the product, the store, or (unknown or hidden target) the storefront's home */
  readonly target: LinkTarget | undefined
  readonly counted: boolean
  readonly attributed: boolean
}

export const followAffiliateLink = (cmd: FollowLink) =>
  Effect.gen(function* () {
    const store = yield* AffiliateStore
    const affiliate = yield* store.affiliateByCode(cmd.code)
    if (Option.isNone(affiliate) || !affiliate.value.active) return yield* new AffiliateCodeNotFound({ affiliateCode: cmd.code })
    const a = affiliate.value
    const target = Option.getOrUndefined(cmd.p === undefined ? Option.none() : yield* store.resolveTarget(cmd.p))
    if (isLikelyBot(cmd.userAgent) || cmd.owner === undefined) return { target, counted: false, attributed: false } satisfies FollowedLink
    const owner = cmd.owner
    const at = yield* Clock.currentTimeMillis
    const id = yield* Effect.flatMap(Ids, (ids) => ids.next("clk"))
    const uow = yield* UnitOfWork
    const counted = yield* uow.transaction(
      Effect.gen(function* () {
        const recorded = yield* store.recordClick({
          id,
          affiliateUserId: a.userId,
          visitor: cmd.visitor,
          day: nairobiDate(at),
          targetKind: target?.kind ?? "HOME",
          target: target === undefined ? null : target.kind === "PRODUCT" ? target.productId : target.slug,
          at
        })
        // last click wins, also when today's click was already counted
        yield* store.attribute(ownerKey(owner), { affiliateUserId: a.userId, code: a.code, clickedAt: at, expiresAt: attributionExpiry(at) })
        if (recorded)
          yield* Effect.flatMap(Outbox, (o) =>
            o.append([
              {
                type: "AFFILIATE_LINK_CLICKED",
                aggregateType: "AFFILIATE",
                aggregateId: a.userId,
                payload: { clickId: id, affiliateUserId: a.userId, targetKind: target?.kind ?? "HOME", at }
              }
            ])
          )
        return recorded
      })
    )
    return { target, counted, attributed: true } satisfies FollowedLink
  }).pipe(Effect.withSpan("Affiliate.followLink"))

/** At login: a guest's attribution goes with their cart to the buyer, unless the buyer's own is newer (last click wins). */
export const adoptGuestAttribution = (guestToken: string, buyerId: UserId) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AffiliateStore
        const guestKey = ownerKey({ _tag: "Guest", guestToken })
        const guest = yield* store.attributionOf(guestKey)
        if (Option.isNone(guest)) return
        const buyerKey = ownerKey({ _tag: "Buyer", buyerId })
        const mine = yield* store.attributionOf(buyerKey)
        if (Option.isNone(mine) || mine.value.clickedAt < guest.value.clickedAt) yield* store.attribute(buyerKey, guest.value)
        yield* store.removeAttribution(guestKey)
      })
    )
  }).pipe(Effect.withSpan("Affiliate.adoptGuestAttribution"))

/** The affiliate's own page: code, links, clicks, conversions, earnings by commission state, the next payout. */
export const affiliateDashboard = (userId: UserId) =>
  Effect.gen(function* () {
    const store = yield* AffiliateStore
    const uow = yield* UnitOfWork
    const mine = yield* store.affiliateOf(userId)
    if (Option.isNone(mine) || !mine.value.active) {
      const open = yield* store.openApplication(userId)
      return yield* new NotAnAffiliate({ application: Option.isSome(open) ? "PENDING" : Option.isSome(mine) ? "INACTIVE" : "NONE" })
    }
    const stats = yield* uow.snapshot(store.stats(userId))
    const now = EpochMillis.make(yield* Clock.currentTimeMillis)
    const earnings = CommissionState.literals.flatMap((state) => {
      const rows = stats.earnings.filter((e) => e.state === state)
      return rows.length > 0 ? rows : [{ state, amount: M.zero("KES"), count: 0 }]
    })
    const selection = nextPayoutSelection(now)
    return {
      code: mine.value.code,
      clicks: stats.clicks,
      conversions: stats.conversions,
      earnings,
      topTargets: stats.topTargets,
      nextPayout: {
        selectedAt: selection,
        weekKey: payoutWeekKey(EpochMillis.make(selection)),
        minimum: DEFAULT_PAYOUT_MINIMUMS["KES"] ?? M.zero("KES")
      },
      commissionRateRanges
    }
  }).pipe(Effect.withSpan("Affiliate.dashboard"))
