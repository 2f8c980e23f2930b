/**
 * Branded identifiers. Decoded at every boundary so that a product id can never be passed where
 * an order id is expected.
 */
import { Schema } from "effect"

const id = <B extends string>(brand: B) => Schema.NonEmptyTrimmedString.pipe(Schema.brand(brand))

export const UserId = id("UserId")
export type UserId = typeof UserId.Type
export const StoreId = id("StoreId")
export type StoreId = typeof StoreId.Type
export const BrandId = id("BrandId")
export type BrandId = typeof BrandId.Type
export const ProductId = id("ProductId")
export type ProductId = typeof ProductId.Type
export const VariantId = id("VariantId")
export type VariantId = typeof VariantId.Type
export const CategoryId = id("CategoryId")
export type CategoryId = typeof CategoryId.Type
export const PromotionId = id("PromotionId")
export type PromotionId = typeof PromotionId.Type
export const DiscountCodeId = id("DiscountCodeId")
export type DiscountCodeId = typeof DiscountCodeId.Type
export const LocationId = id("LocationId")
export type LocationId = typeof LocationId.Type
export const ZoneId = id("ZoneId")
export type ZoneId = typeof ZoneId.Type
export const RateId = id("RateId")
export type RateId = typeof RateId.Type
export const CheckoutId = id("CheckoutId")
export type CheckoutId = typeof CheckoutId.Type
export const OrderId = id("OrderId")
export type OrderId = typeof OrderId.Type
export const PayoutBatchId = id("PayoutBatchId")
export type PayoutBatchId = typeof PayoutBatchId.Type
export const PayoutId = id("PayoutId")
export type PayoutId = typeof PayoutId.Type
export const RefundId = id("RefundId")
export type RefundId = typeof RefundId.Type
export const HeldPaymentId = id("HeldPaymentId")
export type HeldPaymentId = typeof HeldPaymentId.Type
export const StkRequestId = id("StkRequestId")
export type StkRequestId = typeof StkRequestId.Type
export const CommissionId = id("CommissionId")
export type CommissionId = typeof CommissionId.Type
export const AdminUserId = id("AdminUserId")
export type AdminUserId = typeof AdminUserId.Type
export const ExceptionId = id("ExceptionId")
export type ExceptionId = typeof ExceptionId.Type
export const CartId = id("CartId")
export type CartId = typeof CartId.Type
export const DeliveryId = id("DeliveryId")
export type DeliveryId = typeof DeliveryId.Type
export const AffiliateCode = id("AffiliateCode")
export type AffiliateCode = typeof AffiliateCode.Type

/** Instants are epoch milliseconds, always passed in: the domain never reads a clock. */
export const EpochMillis = Schema.Int.pipe(Schema.nonNegative(), Schema.brand("EpochMillis"))
export type EpochMillis = typeof EpochMillis.Type
