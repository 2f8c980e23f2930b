/** The buyer's orders: list, detail (snapshot, state, timeline), confirm receipt, dispute; and their loyalty points. */
import { Effect, Schema } from "effect"
import { confirmReceipt, listMyOrders, myOrder, openDispute } from "../../../application/buyer-orders/buyer-orders.js"
import { viewLoyalty } from "../../../application/loyalty/view-loyalty.js"
import { myReferralCode } from "../../../application/referrals/referrals.js"
import { endpoint, me } from "../endpoint.js"
import { OrderIdParam, Instant, Money, Paging, State } from "../wire.js"

export const OrderListItem = Schema.Struct({
  orderId: Schema.String,
  checkoutId: Schema.String,
  storeId: Schema.String,
  storeName: Schema.String,
  state: State,
  total: Money,
  createdAt: Instant
}).annotations({ identifier: "OrderListItem" })

export const OrderDetail = Schema.Struct({
  ...OrderListItem.fields,
  snapshot: Schema.Unknown.annotations({ description: "the immutable snapshot taken at checkout (lines, base prices, incentives, totals, destination)" }),
  timeline: Schema.Array(Schema.Struct({ at: Instant, from: Schema.optional(State), to: State, actor: Schema.String, reason: Schema.optional(Schema.String) }))
}).annotations({ identifier: "OrderDetail" })

const LoyaltyEntry = Schema.Struct({
  id: Schema.String,
  points: Schema.Int.annotations({ description: "positive: earned or given back; negative: redeemed or reversed" }),
  reason: Schema.Literal("EARNED", "REDEEMED", "REDEMPTION_REVERSED", "EARNING_REVERSED", "ADJUSTED", "REFERRAL").annotations({
    description: "REFERRAL: points for a referral, to both sides, when the referred buyer's first order completes"
  }),
  orderId: Schema.optional(Schema.String),
  checkoutId: Schema.optional(Schema.String),
  note: Schema.optional(Schema.String),
  at: Instant
}).annotations({ identifier: "LoyaltyEntry" })

const Loyalty = Schema.Struct({
  balance: Schema.Int.annotations({
    description: "points available now (points redeemed by an unpaid checkout are already taken; cancelling it gives them back)"
  }),
  pointValue: Money.annotations({ description: "what one point takes off at checkout" }),
  earnPer: Money.annotations({ description: "one point is earned per this much merchandise paid, when the order completes" }),
  redemptionCapBps: Schema.Int.annotations({ description: "points pay at most this share (basis points) of what remains after promotion and code" }),
  total: Schema.Int.annotations({ description: "entries in the whole history" }),
  referralCode: Schema.String.annotations({ description: "the buyer's code to share (as on GET /api/v1/me)" }),
  items: Schema.Array(LoyaltyEntry)
}).annotations({ identifier: "Loyalty" })

const detail = (o: Schema.Schema.Type<typeof OrderDetail> & { buyerId?: string }) => {
  const { buyerId: _buyerId, ...rest } = o
  return rest
}

export const orderRoutes = [
  endpoint({
    method: "get",
    path: "/api/v1/me/loyalty",
    tag: "Orders",
    summary: "The buyer's loyalty points: balance and history, newest first",
    auth: "required",
    query: Paging,
    response: Loyalty,
    errors: [400, 401],
    handler: ({ query, ctx }) =>
      Effect.map(Effect.all([viewLoyalty(me(ctx).user.id, query), myReferralCode(me(ctx).user.id)]), ([loyalty, referralCode]) => ({
        ...loyalty,
        referralCode
      }))
  }),
  endpoint({
    method: "get",
    path: "/api/v1/orders",
    tag: "Orders",
    summary: "The buyer's orders, newest first",
    auth: "required",
    query: Paging,
    response: Schema.Struct({ items: Schema.Array(OrderListItem) }),
    errors: [400, 401],
    handler: ({ query, ctx }) => Effect.map(listMyOrders(me(ctx).user.id, query.limit, query.offset), (items) => ({ items }))
  }),
  endpoint({
    method: "get",
    path: "/api/v1/orders/:id",
    tag: "Orders",
    summary: "One of the buyer's orders: snapshot, state and timeline",
    auth: "required",
    params: OrderIdParam,
    response: OrderDetail,
    errors: [400, 401, 404],
    handler: ({ params, ctx }) => Effect.map(myOrder(me(ctx).user.id, params.id), detail)
  }),
  endpoint({
    method: "post",
    path: "/api/v1/orders/:id/confirm",
    tag: "Orders",
    summary: "Confirm receipt of a delivered order (completes it and releases escrow to the seller)",
    auth: "required",
    params: OrderIdParam,
    response: OrderDetail,
    errors: [400, 401, 404, 409],
    handler: ({ params, ctx }) => Effect.map(confirmReceipt(me(ctx).user.id, params.id), detail)
  }),
  endpoint({
    method: "post",
    path: "/api/v1/orders/:id/disputes",
    tag: "Orders",
    summary: "Dispute a delivered order, with evidence",
    description: "Within 72 hours of delivery (the dispute window); after it the order is completed and a dispute is 409 ORDER.DISPUTE_WINDOW_CLOSED.",
    auth: "required",
    params: OrderIdParam,
    body: Schema.Struct({
      description: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(4000)),
      attachments: Schema.optional(
        Schema.Array(Schema.String.pipe(Schema.pattern(/^https:\/\/\S+$/, { message: () => "attachments are https URLs" }))).pipe(Schema.maxItems(20))
      )
    }),
    status: 201,
    response: OrderDetail,
    errors: [400, 401, 404, 409, 422],
    handler: ({ params, body, ctx }) =>
      Effect.map(
        openDispute(me(ctx).user.id, params.id, { description: body.description, ...(body.attachments !== undefined && { attachments: body.attachments }) }),
        detail
      )
  })
]
