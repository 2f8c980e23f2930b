/**
 * Branded ids through the ports (issue 9): the compiler refuses a ProductId (or an undecoded string)
 * where a port expects an OrderId, and every edge decodes into the brand first: an HTTP path id
 * that is blank or malformed is a 400 problem before any query runs, and a back-office record id
 * is a notice, never a use case called with "".
 */
import type { Context } from "effect"
import { Effect, Either, Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { OrderStore } from "../../application/orders/order.port.js"
import type { CheckoutStore } from "../../application/checkout/checkout.port.js"
import type { CartStore } from "../../application/cart/cart.port.js"
import type { CatalogueReader } from "../../application/catalogue/catalogue.port.js"
import { WireOrderId } from "../../adapters/http/wire.js"
import { FormError, recordIdAs } from "../../backoffice/actions.js"
import {
  BrandId,
  CheckoutId,
  CommissionId,
  DiscountCodeId,
  ExceptionId,
  HeldPaymentId,
  OrderId,
  PayoutBatchId,
  PayoutId,
  ProductId,
  PromotionId,
  RefundId,
  StkRequestId,
  UserId
} from "../../domain/ids.js"
import { resolveException } from "../../application/admin/work-exceptions.js"
import { updateJobStatus } from "../../application/fulfilment/delivery-status.js"
import { approvePayoutBatch } from "../../application/admin/approve-payout-batch.js"

const auditBody = { action: "X.Y", entity: "x", entityId: "x_1", before: null, after: null, reason: null }
import type { PaymentStore } from "../../application/payments/payment.port.js"
import { pollPush } from "../../application/payments/reconcile.js"
import { returnHeldMoney } from "../../application/admin/held-money.js"
import { rejectCommissionForFraud } from "../../application/admin/reject-commission.js"
import type { DisbursementStore } from "../../application/payouts-execution/disbursement.port.js"
import { requestRefund, startPayoutBatch, submitPayout } from "../../application/payouts-execution/execute.js"
import type { AdminStore } from "../../application/admin/admin.port.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import { decideBrand, decideProduct } from "../../application/admin/review-catalogue.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, newBuyer, startApi } from "./support.js"
import type { Api } from "./support.js"

describe("ports speak branded ids", () => {
  it("a ProductId, a CheckoutId or a plain string is not an OrderId (checked by tsc: npm run typecheck)", () => {
    // Never run: it exists for the compiler. An unused @ts-expect-error is itself a compile error,
    // so this fails the typecheck as soon as a port goes back to plain strings.
    const compileOnly = (
      orders: Context.Tag.Service<typeof OrderStore>,
      checkouts: Context.Tag.Service<typeof CheckoutStore>,
      carts: Context.Tag.Service<typeof CartStore>,
      catalogue: Context.Tag.Service<typeof CatalogueReader>
    ) => {
      const productId = ProductId.make("prd_1")
      const orderId = OrderId.make("ord_1")
      // @ts-expect-error a ProductId is not an OrderId
      void orders.lock(productId)
      // @ts-expect-error a CheckoutId is not an OrderId
      void orders.restock(CheckoutId.make("chk_1"))
      // @ts-expect-error an undecoded string is not an OrderId either
      void orders.confirmReservations("ord_1")
      // @ts-expect-error an OrderId is not a CheckoutId
      void checkouts.getSummary(orderId)
      // @ts-expect-error a ProductId is not a VariantId
      void carts.remove("cart_1", productId)
      // @ts-expect-error an OrderId is not a ProductId
      void catalogue.product(orderId)
      // @ts-expect-error a ProductId is not a VariantId (checkout inputs are decoded at the edge)
      void checkouts.loadCatalogue([productId])
      // @ts-expect-error an undecoded string is not a VariantId
      void checkouts.loadCatalogue(["var_1"])
      // @ts-expect-error an undecoded string is not a CartId
      void carts.close("crt_1", "ABANDONED")
      // @ts-expect-error an OrderId is not a DeliveryId
      void updateJobStatus({ id: "usr_rider", roles: ["RIDER"] }, orderId, { status: "PICKED_UP" })
      return orders.lock(orderId)
    }
    expect(typeof compileOnly).toBe("function")
  })

  it("the admin port's catalogue review takes a ProductId or a BrandId, never the other one (tsc)", () => {
    const compileOnly = (admin: Context.Tag.Service<typeof AdminStore>, actor: AdminActor) => {
      const productId = ProductId.make("prd_1")
      const brandId = BrandId.make("brd_1")
      // @ts-expect-error a BrandId is not a ProductId
      void admin.lockProduct(brandId)
      // @ts-expect-error a ProductId is not a BrandId
      void admin.setBrandState(productId, { state: "VERIFIED", reason: null, by: "adm_1", at: 0 })
      // @ts-expect-error an undecoded back-office record id is not a ProductId
      void decideProduct(actor, { id: "prd_1", decision: "VERIFY" })
      // @ts-expect-error a ProductId is not a BrandId
      void decideBrand(actor, { id: productId, decision: "VERIFY" })
      return [admin.lockBrand(brandId), decideProduct(actor, { id: productId, decision: "VERIFY" })]
    }
    expect(typeof compileOnly).toBe("function")
  })

  it("the admin port's incentives, exceptions, batches and audit actors are branded (tsc)", () => {
    const compileOnly = (admin: Context.Tag.Service<typeof AdminStore>, actor: AdminActor) => {
      const promotionId = PromotionId.make("promo_1")
      const codeId = DiscountCodeId.make("code_1")
      // @ts-expect-error a DiscountCodeId is not a PromotionId
      void admin.lockPromotion(codeId)
      // @ts-expect-error a PromotionId is not a DiscountCodeId
      void admin.setDiscountCodeStatus(promotionId, "PAUSED", 0)
      // @ts-expect-error an undecoded back-office record id is not an ExceptionId
      void resolveException(actor, { exceptionId: "exc_1", note: "n" })
      // @ts-expect-error an ExceptionId is not a PayoutBatchId
      void approvePayoutBatch(actor, { batchId: ExceptionId.make("exc_1") })
      // @ts-expect-error an admin's audit entry names an AdminUserId, not a buyer's UserId
      void admin.audit({ ...auditBody, actorKind: "ADMIN", actorId: UserId.make("usr_1"), actorRole: "FINANCE" })
      // @ts-expect-error a SYSTEM entry names one of the platform's own processes, not any string
      void admin.audit({ ...auditBody, actorKind: "SYSTEM", actorId: "somebody", actorRole: null })
      return [
        admin.lockPromotion(promotionId),
        admin.audit({ ...auditBody, actorKind: "ADMIN", actorId: actor.id, actorRole: actor.role }),
        admin.audit({ ...auditBody, actorKind: "USER", actorId: UserId.make("usr_1"), actorRole: null })
      ]
    }
    expect(typeof compileOnly).toBe("function")
  })

  it("payouts and refunds take PayoutId, RefundId, PayoutBatchId, HeldPaymentId, OrderId (tsc)", () => {
    const compileOnly = (disbursements: Context.Tag.Service<typeof DisbursementStore>) => {
      const refundId = RefundId.make("rfd_1")
      const payoutId = PayoutId.make("pay_1")
      // @ts-expect-error a RefundId is not a PayoutId
      void disbursements.lockPayout(refundId)
      // @ts-expect-error a PayoutId is not a RefundId
      void disbursements.lockRefund(payoutId)
      // @ts-expect-error a PayoutId is not a PayoutBatchId
      void disbursements.startBatch(payoutId, 0)
      // @ts-expect-error an OrderId is not a HeldPaymentId
      void disbursements.heldReturnFinished(OrderId.make("ord_1"), "RETURNED", 0)
      // @ts-expect-error a RefundId is not an OrderId
      void disbursements.refundContext(refundId)
      // @ts-expect-error an undecoded outbox payload string is not a PayoutId
      void submitPayout("pay_1")
      // @ts-expect-error a PayoutBatchId is not an OrderId
      void requestRefund(PayoutBatchId.make("pbt_1"))
      return [startPayoutBatch(PayoutBatchId.make("pbt_1")), disbursements.heldReturnFinished(HeldPaymentId.make("hld_1"), "RETURNED", 0)]
    }
    expect(typeof compileOnly).toBe("function")
  })

  it("STK requests and held payments take StkRequestId / HeldPaymentId (tsc)", () => {
    const compileOnly = (payments: Context.Tag.Service<typeof PaymentStore>, actor: AdminActor) => {
      const held = HeldPaymentId.make("hld_1")
      // @ts-expect-error a HeldPaymentId is not a StkRequestId
      void payments.lockRequest(held)
      // @ts-expect-error a StkRequestId is not a HeldPaymentId
      void payments.lockHeldPayment(StkRequestId.make("stk_1"))
      // @ts-expect-error an undecoded outbox payload string is not a StkRequestId
      void pollPush("stk_1")
      // @ts-expect-error an undecoded back-office record id is not a HeldPaymentId
      void returnHeldMoney(actor, { heldPaymentId: "hld_1", note: "x" })
      return [pollPush(StkRequestId.make("stk_1")), returnHeldMoney(actor, { heldPaymentId: held, note: "x" })]
    }
    expect(typeof compileOnly).toBe("function")
  })

  it("commissions take a CommissionId, their affiliate a UserId (tsc)", () => {
    const compileOnly = (admin: Context.Tag.Service<typeof AdminStore>, actor: AdminActor) => {
      const commissionId = CommissionId.make("com_1")
      // @ts-expect-error a PayoutId is not a CommissionId
      void admin.lockCommission(PayoutId.make("pay_1"))
      // @ts-expect-error an OrderId is not a CommissionId
      void admin.rejectCommission(OrderId.make("ord_1"), "x", 0)
      // @ts-expect-error an undecoded back-office record id is not a CommissionId
      void rejectCommissionForFraud(actor, { commissionId: "com_1", reason: "x" })
      return [admin.lockCommission(commissionId), rejectCommissionForFraud(actor, { commissionId, reason: "x" })]
    }
    expect(typeof compileOnly).toBe("function")
  })

  it("the wire decodes ids into the brand and refuses blank or malformed ones", () => {
    expect(Schema.decodeUnknownEither(WireOrderId)("ord_01JABC")).toEqual(Either.right("ord_01JABC"))
    for (const bad of ["", " ", "ord 1", " ord_1", "ord/1", "x".repeat(101), 42, null])
      expect(Either.isLeft(Schema.decodeUnknownEither(WireOrderId)(bad))).toBe(true)
  })

  it("a back-office record id is decoded too: a missing or blank one is a notice, not a query", () => {
    expect(Effect.runSync(recordIdAs(OrderId, "ord_1", "order"))).toBe("ord_1")
    for (const bad of [undefined, "", "   "]) {
      const r = Effect.runSync(Effect.either(recordIdAs(OrderId, bad, "order")))
      expect(Either.isLeft(r) && r.left instanceof FormError).toBe(true)
    }
  })
})

describe("an invalid id over HTTP is a 400 problem", () => {
  const db = useTestDatabase()
  let api: Api
  let token = ""
  beforeAll(async () => {
    api = await startApi(db.sql)
    token = (await newBuyer(db.sql)).token
  })
  afterAll(async () => {
    await api?.close()
  })

  it.each([
    ["GET", "/api/v1/orders/%20"],
    ["GET", "/api/v1/orders/ord%20with%20spaces"],
    ["POST", "/api/v1/orders/ord%3Bdrop/confirm"],
    ["GET", "/api/v1/checkouts/chk%09tab"],
    ["POST", "/api/v1/seller/orders/%20/accept"],
    ["GET", "/api/v1/products/prd%20x"],
    ["GET", "/api/v1/locations?parent=%20"],
    ["DELETE", "/api/v1/cart/items/var%2Cx"],
    ["PATCH", "/api/v1/seller/products/prd%20x"],
    ["PUT", "/api/v1/seller/inventory/%20"]
  ])("%s %s", async (method, path) => {
    const res = await call(api, method, path, { token })
    expect(res.status).toBe(400)
    expect(res.headers.get("content-type")).toContain("application/problem+json")
    expect((res.body as { code: string }).code).toBe("REQUEST.INVALID")
  })

  it("a body id is decoded the same way: a blank variant id is a 400, not an unknown item", async () => {
    const res = await call(api, "POST", "/api/v1/cart/items", { token, body: { variantId: " ", quantity: 1 } })
    expect(res.status).toBe(400)
    expect((res.body as { code: string }).code).toBe("REQUEST.INVALID")
  })

  it("a well-formed id that names nothing is still a 404 (decoded, then looked up)", async () => {
    const res = await call(api, "GET", "/api/v1/orders/ord_nothing_here", { token })
    expect(res.status).toBe(404)
  })
})
