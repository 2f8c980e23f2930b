/** The buyer's orders: list, detail (snapshot, state, timeline), confirm receipt, dispute. */
import { Effect, Schema } from "effect"
import { confirmReceipt, listMyOrders, myOrder, openDispute } from "../../../application/buyer-orders/buyer-orders.js"
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

const detail = (o: Schema.Schema.Type<typeof OrderDetail> & { buyerId?: string }) => {
  const { buyerId: _buyerId, ...rest } = o
  return rest
}

export const orderRoutes = [
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
