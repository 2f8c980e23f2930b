/** Checkout, its payment by M-Pesa STK push, and Daraja's callback. */
import { Duration, Effect, Redacted, Schema } from "effect"
import { checkoutCart } from "../../../application/cart/checkout-cart.js"
import { cancelCheckout } from "../../../application/checkout/cancel-checkout.js"
import { authenticateWithCheckoutView, MAX_WAIT_SECONDS, showCheckout, viewCheckout, watchCheckout } from "../../../application/checkout/view-checkout.js"
import { recordCallback } from "../../../application/payments/reconcile.js"
import { requestPayment } from "../../../application/payments/request-payment.js"
import { CALLBACK_ACK } from "../../daraja/callbacks.js"
import { checkoutRequestIdOf } from "../../daraja/callbacks.js"
import { callbackPath } from "../config.js"
import { deliveryText } from "../../../domain/delivery.js"
import { hasBadText } from "../edge.js"
import { endpoint, header, me } from "../endpoint.js"
import { NotFoundRoute, RequestInvalid } from "../problems.js"
import { sameSecret } from "../../system/secrets.js"
import { CheckoutIdParam, Instant, Money, Phone, State, WireLocationId, WireVariantId } from "../wire.js"

const Payment = Schema.Struct({
  paymentId: Schema.String,
  status: Schema.Literal("PENDING", "PAID", "CANCELLED", "FAILED", "HELD", "RETURNED").annotations({
    description: "HELD: M-Pesa took money that could not pay this checkout (see heldMoney); it is sent back, and no new payment is taken until it is RETURNED"
  }),
  phone: Schema.String,
  amount: Money,
  resultCode: Schema.optional(Schema.String),
  resultDesc: Schema.optional(Schema.String),
  receipt: Schema.optional(Schema.String),
  requestedAt: Instant
}).annotations({ identifier: "Payment" })

const HeldMoney = Schema.Struct({
  heldPaymentId: Schema.String,
  paymentId: Schema.String,
  amount: Money,
  receipt: Schema.optional(Schema.String),
  reason: Schema.Literal("AMOUNT_MISMATCH", "PHONE_MISMATCH", "CHECKOUT_EXPIRED", "CHECKOUT_CANCELLED", "ALREADY_PAID", "NOT_PAYABLE"),
  status: Schema.Literal("HELD", "RETURNING", "RETURNED", "RETURN_FAILED"),
  heldAt: Instant,
  returnedAt: Schema.optional(Instant),
  detail: Schema.String
}).annotations({
  identifier: "HeldMoney",
  description: "money M-Pesa received for this checkout that could not pay it, and its way back to the phone that paid"
})

const Checkout = Schema.Struct({
  checkoutId: Schema.String,
  state: Schema.String,
  total: Money,
  charge: Money.annotations({ description: "whole shillings: what M-Pesa is asked for" }),
  roundingAbsorbed: Money,
  createdAt: Instant,
  expiresAt: Instant,
  payerPhone: Schema.String,
  orders: Schema.Array(Schema.Struct({ orderId: Schema.String, storeId: Schema.String, state: State, total: Money })),
  payment: Schema.optional(Payment),
  heldMoney: Schema.optional(Schema.Array(HeldMoney))
}).annotations({ identifier: "Checkout" })

const Delivery = Schema.Struct({
  recipientName: Schema.optional(deliveryText.recipientName.annotations({ description: "who receives the parcel (default: the buyer)" })),
  recipientPhone: Schema.optional(
    Phone.annotations({ description: "where the rider reaches the recipient (default: the buyer's phone); shown to the rider only while the job is theirs" })
  ),
  addressLine: Schema.optional(deliveryText.addressLine.annotations({ description: "street, building, floor, door" })),
  landmark: Schema.optional(deliveryText.landmark.annotations({ description: "something the rider can ask for or see" })),
  notes: Schema.optional(deliveryText.notes.annotations({ description: "anything else for the rider (may span lines)" }))
}).annotations({
  identifier: "DeliveryDetails",
  description: "All optional; trimmed, no control characters. Frozen in every order's snapshot and shown to the rider carrying it."
})

const IdempotencyKey = Schema.String.pipe(
  Schema.minLength(1),
  Schema.maxLength(100),
  Schema.pattern(/^[\x21-\x7e]+$/, { message: () => "printable ASCII without spaces" })
)

const waitMessage = () => `wait is whole seconds, from 0 to ${MAX_WAIT_SECONDS}`

export const checkoutRoutes = [
  endpoint({
    method: "post",
    path: "/api/v1/checkouts",
    tag: "Checkout",
    summary: "Check out: one order per seller, immutable snapshots, stock reserved, total payable",
    description:
      "Atomic. Items come from the body or, when it has none, from the buyer's cart (which is then closed). The same Idempotency-Key returns the same checkout; reusing a key for a different request is 409.",
    auth: "required",
    headers: [{ name: "Idempotency-Key", required: true, description: "a unique key per checkout attempt; retries reuse it" }],
    body: Schema.Struct({
      destination: WireLocationId.annotations({ description: "location id: a pickup point, market, town or county" }),
      payerPhone: Schema.optional(Phone),
      discountCode: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(32))),
      loyaltyPoints: Schema.optional(Schema.Int.pipe(Schema.between(0, 1_000_000))),
      affiliateCode: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(32))),
      delivery: Schema.optional(Delivery),
      items: Schema.optional(
        Schema.Array(Schema.Struct({ variantId: WireVariantId, quantity: Schema.Int.pipe(Schema.between(1, 99)) })).pipe(Schema.maxItems(50))
      )
    }),
    status: 201,
    response: Checkout,
    errors: [400, 401, 409, 422, 429, 503],
    handler: ({ body, ctx }) =>
      Effect.gen(function* () {
        const user = me(ctx).user
        const key = yield* Effect.mapError(Schema.decodeUnknown(IdempotencyKey)(header(ctx, "idempotency-key")), (e) =>
          RequestInvalid.fromParseError("header", e)
        )
        const summary = yield* checkoutCart({
          buyerId: user.id,
          idempotencyKey: key,
          destination: body.destination,
          payerPhone: body.payerPhone ?? user.phone,
          discountCode: body.discountCode,
          loyaltyPoints: body.loyaltyPoints,
          affiliateCode: body.affiliateCode,
          delivery: body.delivery,
          items: body.items
        })
        // A new checkout has no payment yet: the use case's summary is the whole answer (no second read).
        return summary
      })
  }),
  endpoint({
    method: "get",
    path: "/api/v1/checkouts/:id",
    tag: "Checkout",
    summary: "A checkout with its orders and payment status",
    description: `Poll it after a push until the payment settles. With wait=N (seconds, at most ${MAX_WAIT_SECONDS}) a poll made while the M-Pesa prompt is pending (state PENDING_PAYMENT, payment PENDING) is answered as soon as the checkout or its payment changes (paid, failed, cancelled, expired), or after N seconds with the checkout as it stands; in any other state the answer is at once.`,
    auth: "required",
    params: CheckoutIdParam,
    // whole seconds as plain digits (not "1e1", "0x10" or " 5", which Number() would take)
    query: Schema.Struct({
      wait: Schema.optional(
        Schema.compose(Schema.String.pipe(Schema.pattern(/^[0-9]{1,2}$/, { message: waitMessage })), Schema.NumberFromString).pipe(
          Schema.between(0, MAX_WAIT_SECONDS, { message: waitMessage })
        )
      )
    }),
    response: Checkout,
    errors: [400, 401, 404],
    // a poll: the session and the view in one statement
    // (a poll that may wait takes the wait's instant first: its read is then the wait's first)
    authenticateWith: (token, { params, query }) => authenticateWithCheckoutView(token, params.id, (query.wait ?? 0) > 0),
    handler: ({ params, query, ctx, prefetched }) =>
      watchCheckout(
        prefetched === undefined ? viewCheckout(me(ctx).user.id, params.id) : showCheckout(me(ctx).user.id, params.id, prefetched.view),
        me(ctx).user.id,
        params.id,
        Duration.seconds(query.wait ?? 0),
        ctx.abandoned,
        prefetched?.since
      )
  }),
  endpoint({
    method: "post",
    path: "/api/v1/checkouts/:id/payments",
    tag: "Payments",
    summary: "Pay the checkout by M-Pesa: an STK push to the phone",
    description:
      "At most 3 pushes per phone per hour. A push still waiting on the phone blocks another for 90 s. While money received for the checkout is held (it could not pay it, see heldMoney), a push is 409 PAYMENT.MONEY_HELD. After a failed payment the checkout can be paid again within 12 hours of checkout. 502 PAYMENT.GATEWAY_REJECTED: M-Pesa refused the push, no prompt was sent. 503 PAYMENT.GATEWAY_UNAVAILABLE: M-Pesa did not answer, so the prompt may still be on the phone: the push stays pending (another push is 409 for 90 s) and a payment made on that prompt settles the checkout once Daraja's status query confirms it; or M-Pesa could not be reached at all (the request never left: the sentence says no prompt was sent), and the push is FAILED and another may be made at once. The result arrives asynchronously: poll GET /api/v1/checkouts/{id}.",
    auth: "required",
    params: CheckoutIdParam,
    body: Schema.Struct({ phone: Phone }),
    status: 202,
    response: Schema.Struct({
      paymentId: Schema.String,
      checkoutId: Schema.String,
      checkoutRequestId: Schema.String,
      amount: Money,
      phone: Schema.String,
      status: Schema.Literal("PENDING"),
      customerMessage: Schema.String
    }),
    errors: [400, 401, 404, 409, 429, 502, 503],
    handler: ({ params, body, ctx }) =>
      requestPayment({
        checkoutId: params.id,
        buyerId: me(ctx).user.id,
        phone: body.phone,
        callbackUrl: `${ctx.config.publicBaseUrl}${callbackPath(Redacted.value(ctx.config.callbackSecret))}`
      })
  }),
  endpoint({
    method: "post",
    path: "/api/v1/checkouts/:id/cancel",
    tag: "Checkout",
    summary: "Cancel an unpaid checkout: its stock, incentives and loyalty points are released at once",
    description:
      "Idempotent: a checkout already cancelled answers as it stands. A paid checkout is 409 CHECKOUT.ALREADY_PAID, an expired one 409 CHECKOUT.NOT_CANCELLABLE. While an M-Pesa prompt may still be answered on the phone (90 s after the push) it is 409 CHECKOUT.PAYMENT_IN_PROGRESS with Retry-After: decline the prompt, or wait. Money M-Pesa confirms later for a cancelled checkout is held and sent back (heldMoney).",
    auth: "required",
    params: CheckoutIdParam,
    response: Checkout,
    errors: [400, 401, 404, 409, 429, 503],
    handler: ({ params, ctx }) => cancelCheckout({ checkoutId: params.id, buyerId: me(ctx).user.id })
  }),
  endpoint({
    method: "post",
    path: "/api/v1/payments/mpesa/callback/:secret",
    tag: "Payments",
    summary: "Daraja's STK callback (Safaricom calls this)",
    description:
      "Unsigned, so nothing in it is trusted: the raw body is stored durably and Daraja is answered at once; the worker then confirms the payment with an STK status query before any order is marked PAID.",
    auth: "none",
    params: Schema.Struct({ secret: Schema.String }),
    rawBody: true,
    response: Schema.Struct({ ResultCode: Schema.Literal(0), ResultDesc: Schema.String }),
    errors: [404, 503],
    handler: ({ params, ctx }) =>
      Effect.gen(function* () {
        if (!sameSecret(params.secret, Redacted.value(ctx.config.callbackSecret))) return yield* Effect.fail(new NotFoundRoute())
        const text = ctx.rawBody ?? ""
        let raw: unknown
        try {
          raw = JSON.parse(text) as unknown
        } catch {
          raw = undefined
        }
        // Whatever came is kept; what is not a JSON object (or holds text the database cannot, edge.ts) is kept as its text.
        if (typeof raw !== "object" || raw === null || hasBadText(raw)) raw = { unparseable: text.slice(0, 20_000) }
        yield* recordCallback({ raw, checkoutRequestId: checkoutRequestIdOf(raw), remoteAddr: ctx.remoteAddr })
        return CALLBACK_ACK
      })
  })
]
