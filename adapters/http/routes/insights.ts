/** GET /api/v1/seller/insights: the store's daily figures from the read models (issue 15), with plain-language lines. */
import { Effect, Schema } from "effect"
import { DEFAULT_DAYS, MAX_DAYS, sellerInsights } from "../../../application/insights/insights.js"
import { endpoint, me } from "../endpoint.js"
import { intFromString, Money } from "../wire.js"

const Rate = Schema.NullOr(Schema.Number.pipe(Schema.between(0, 1)))

const Day = Schema.Struct({
  day: Schema.String.annotations({ description: "a Nairobi calendar day (UTC+3), YYYY-MM-DD" }),
  ordersPlaced: Schema.Int,
  ordersPaid: Schema.Int,
  gmv: Schema.Array(Money).annotations({ description: "paid orders' totals, per currency (empty on a day without sales)" }),
  paymentsSucceeded: Schema.Int,
  paymentsFailed: Schema.Int,
  paymentSuccessRate: Rate.annotations({ description: "M-Pesa payments that went through, of those that ended (null without any)" }),
  medianMillisToPaid: Schema.NullOr(Schema.Int).annotations({ description: "the median time from checkout to paid (null without payments)" }),
  slaMet: Schema.Int,
  slaBreached: Schema.Int,
  slaOnTimeRate: Rate.annotations({ description: "dispatch and delivery deadlines met, of those that ended (null without any)" }),
  refunds: Schema.Int,
  refunded: Schema.Array(Money),
  exceptionsOpened: Schema.Int,
  exceptionsClosed: Schema.Int
}).annotations({ identifier: "InsightDay" })

export const StoreInsights = Schema.Struct({
  storeId: Schema.String,
  from: Schema.String,
  to: Schema.String,
  days: Schema.Int,
  series: Schema.Array(Day),
  topProducts: Schema.Array(Schema.Struct({ productId: Schema.String, title: Schema.String, units: Schema.Int, revenue: Money })),
  areas: Schema.Array(
    Schema.Struct({
      zoneId: Schema.String,
      name: Schema.String,
      ordersPlaced: Schema.Int,
      ordersPaid: Schema.Int,
      shippingFees: Money.annotations({ description: "the shipping fees of the orders placed" })
    })
  ),
  openIssues: Schema.Int,
  insights: Schema.Array(Schema.Struct({ code: Schema.String, text: Schema.String }))
}).annotations({ identifier: "StoreInsights" })

export const insightRoutes = [
  endpoint({
    method: "get",
    path: "/api/v1/seller/insights",
    tag: "Seller",
    summary: "The store's last days in figures (orders, sales, payment success, time to pay, deadlines, refunds, issues) and what they say",
    description:
      "Read from the daily read models (kept from the outbox), one entry per Nairobi day, days without activity included. " +
      `\`days\`: 1–${MAX_DAYS}, default ${DEFAULT_DAYS}. Week-on-week lines need 14 days or more. The store's owner only.`,
    auth: "required",
    query: Schema.Struct({ days: Schema.optionalWith(intFromString(1, MAX_DAYS), { default: () => DEFAULT_DAYS }) }),
    response: StoreInsights,
    errors: [400, 401, 403],
    handler: ({ query, ctx }) =>
      Effect.map(sellerInsights(me(ctx).user.id, query.days), (r) => ({
        ...r,
        topProducts: r.topProducts.map((p) => ({
          productId: p.productId,
          title: p.title,
          units: p.units,
          revenue: { amount: p.revenue, currency: p.currency }
        })),
        areas: r.areas.map((a) => ({
          zoneId: a.zoneId,
          name: a.name,
          ordersPlaced: a.ordersPlaced,
          ordersPaid: a.ordersPaid,
          shippingFees: { amount: a.shippingFees, currency: a.currency }
        }))
      }))
  })
]
