/**
 * Seller KYC decisions: verify, reject (with reason), suspend, ban, reinstate. A seller's products
 * are sellable only while the store is VERIFIED (domain/catalogue.ts), so suspending or banning a
 * store takes all of them off sale at once without touching the products.
 */
import type { StoreId } from "../../domain/ids.js"
import { Clock, Effect } from "effect"
import type { StoreKycState } from "../../domain/catalogue.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { AdminIllegalChange } from "./admin.errors.js"
import { authorize } from "./admin-roles.js"
import type { AdminActor } from "./admin-roles.js"
import { AdminStore } from "./admin.port.js"
import { found, optionalText, recordAdminAction, requiredText } from "./record-admin-action.js"

export type SellerDecision = "VERIFY" | "REJECT" | "SUSPEND" | "BAN" | "REINSTATE"

/** Which KYC states each decision applies to and where it leads. Every decision but VERIFY needs a reason. */
export const sellerDecisions: {
  readonly [D in SellerDecision]: { readonly from: ReadonlyArray<StoreKycState>; readonly to: StoreKycState; readonly needsReason: boolean }
} = {
  VERIFY: { from: ["PENDING", "REJECTED"], to: "VERIFIED", needsReason: false },
  REJECT: { from: ["PENDING"], to: "REJECTED", needsReason: true },
  SUSPEND: { from: ["VERIFIED"], to: "SUSPENDED", needsReason: true },
  BAN: { from: ["PENDING", "VERIFIED", "REJECTED", "SUSPENDED"], to: "BANNED", needsReason: true },
  REINSTATE: { from: ["SUSPENDED", "BANNED"], to: "VERIFIED", needsReason: true }
}

export const sellerDecisionAllowed = (state: StoreKycState, decision: SellerDecision): boolean => sellerDecisions[decision].from.includes(state)

export interface DecideSeller {
  readonly storeId: StoreId
  readonly decision: SellerDecision
  readonly reason?: string | undefined
}

export const decideSeller = (actor: AdminActor, cmd: DecideSeller) =>
  Effect.gen(function* () {
    yield* authorize(actor, "sellers.review")
    const rule = sellerDecisions[cmd.decision]
    const reason = rule.needsReason ? yield* requiredText(cmd.reason, "a reason") : ((yield* optionalText(cmd.reason, "the note")) ?? null)
    const uow = yield* UnitOfWork
    const at = yield* Clock.currentTimeMillis
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* AdminStore
        const seller = yield* found("seller", cmd.storeId, store.lockSeller(cmd.storeId))
        if (!rule.from.includes(seller.kycState)) return yield* new AdminIllegalChange({ entity: "seller", from: seller.kycState, change: cmd.decision })
        // the table keeps a reason only for the states that need one
        const keptReason = rule.to === "VERIFIED" ? null : reason
        yield* store.setSellerKyc(cmd.storeId, { state: rule.to, reason: keptReason, by: actor.id, at })
        yield* recordAdminAction(
          actor,
          {
            action: `SELLER.${cmd.decision}`,
            entity: "store",
            entityId: seller.id,
            before: { kycState: seller.kycState, kycReason: seller.kycReason },
            after: { kycState: rule.to, kycReason: keptReason },
            reason
          },
          [
            {
              type: `SELLER_KYC_${rule.to}`,
              aggregateType: "STORE",
              aggregateId: seller.id,
              payload: { storeId: seller.id, from: seller.kycState, to: rule.to, reason, at }
            }
          ]
        )
        return { storeId: seller.id, kycState: rule.to }
      })
    )
  }).pipe(Effect.withSpan("Admin.decideSeller"))
