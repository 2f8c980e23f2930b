/** Schemas shared by the endpoints: money, ids, paging, the problem document. */
import { Schema } from "effect"
import { Money as DomainMoney } from "../../domain/money.js"
import { Msisdn } from "../../domain/phone.js"
import { OrderState } from "../../domain/order.js"
import type { BrandId, CategoryId, CheckoutId, DeliveryId, LocationId, OrderId, ProductId, StoreId, UserId, VariantId } from "../../domain/ids.js"

export const Money = DomainMoney.annotations({ identifier: "Money", description: "An amount in integer minor units (KES 1.00 = 100) with its currency" })
export const Phone = Msisdn
export const Id = Schema.String.pipe(
  Schema.minLength(1),
  Schema.maxLength(100),
  Schema.pattern(/^[A-Za-z0-9_-]+$/, { message: () => "an id is letters, digits, _ and -" })
)
export const IdParam = Schema.Struct({ id: Id })
/**
 * An id decoded straight into its domain brand (domain/ids.ts): the wire rule above, then the brand.
 * A malformed id is a 400 (RequestInvalid) before any use case or query runs, and the ports only
 * ever see branded ids.
 */
const branded = <B extends string>(brand: B) => Id.pipe(Schema.brand(brand))
export const WireOrderId = branded("OrderId") satisfies Schema.Schema<OrderId, string>
export const WireCheckoutId = branded("CheckoutId") satisfies Schema.Schema<CheckoutId, string>
export const WireStoreId = branded("StoreId") satisfies Schema.Schema<StoreId, string>
export const WireProductId = branded("ProductId") satisfies Schema.Schema<ProductId, string>
export const WireVariantId = branded("VariantId") satisfies Schema.Schema<VariantId, string>
export const WireCategoryId = branded("CategoryId") satisfies Schema.Schema<CategoryId, string>
export const WireBrandId = branded("BrandId") satisfies Schema.Schema<BrandId, string>
export const WireLocationId = branded("LocationId") satisfies Schema.Schema<LocationId, string>
export const WireUserId = branded("UserId") satisfies Schema.Schema<UserId, string>
/** `:id` path parameters, decoded into the brand the route names. */
export const OrderIdParam = Schema.Struct({ id: WireOrderId })
export const CheckoutIdParam = Schema.Struct({ id: WireCheckoutId })
export const ProductIdParam = Schema.Struct({ id: WireProductId })
export const VariantIdParam = Schema.Struct({ id: WireVariantId })
export const DeliveryIdParam = Schema.Struct({ id: branded("DeliveryId") satisfies Schema.Schema<DeliveryId, string> })
export const Instant = Schema.Int.annotations({ description: "epoch milliseconds" })
export const State = OrderState.annotations({ identifier: "OrderState" })

export const intFromString = (min: number, max: number) => Schema.NumberFromString.pipe(Schema.int(), Schema.between(min, max))
export const Paging = Schema.Struct({
  limit: Schema.optionalWith(intFromString(1, 100), { default: () => 20 }),
  offset: Schema.optionalWith(intFromString(0, 100_000), { default: () => 0 })
})

export const ProblemDocument = Schema.Struct({
  type: Schema.String,
  title: Schema.String,
  status: Schema.Int,
  code: Schema.String.annotations({ description: "stable machine-readable code, e.g. ORDER.ILLEGAL_TRANSITION" }),
  detail: Schema.String,
  instance: Schema.optional(Schema.String),
  requestId: Schema.optional(Schema.String),
  errors: Schema.optional(Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String }))),
  retryAfterSeconds: Schema.optional(Schema.Int),
  gatewayCode: Schema.optional(Schema.String.annotations({ description: "the payment gateway's own error code (e.g. Daraja's 500.003.02), when it gave one" }))
}).annotations({ identifier: "Problem", description: "RFC 9457 problem details" })

export const Ack = Schema.Struct({ ok: Schema.Literal(true) })
