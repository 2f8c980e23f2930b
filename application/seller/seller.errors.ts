import { Data } from "effect"
import { describeIssues } from "../../domain/schema-issues.js"
import type { SchemaIssue } from "../../domain/schema-issues.js"

export class NotASeller extends Data.TaggedError("NotASeller")<object> {
  readonly code = "SELLER.NO_STORE"
  override get message() {
    return "this account does not belong to any store"
  }
}

export class SellerProductNotFound extends Data.TaggedError("SellerProductNotFound")<{ readonly productId: string }> {
  readonly code = "PRODUCT.NOT_FOUND"
  override get message() {
    return `your store has no product ${this.productId}`
  }
}

export class SellerVariantNotFound extends Data.TaggedError("SellerVariantNotFound")<{ readonly variantId: string }> {
  readonly code = "VARIANT.NOT_FOUND"
  override get message() {
    return `your store has no variant ${this.variantId}`
  }
}

export class StockBelowReserved extends Data.TaggedError("StockBelowReserved")<{ readonly variantId: string; readonly reserved: number }> {
  readonly code = "INVENTORY.BELOW_RESERVED"
  override get message() {
    return `${this.reserved} unit(s) of ${this.variantId} are reserved by unpaid checkouts: on hand cannot go below that`
  }
}

/** The listing breaks the domain's rules: the fields that failed and why (the problem's `errors`). */
export class InvalidListing extends Data.TaggedError("InvalidListing")<{ readonly issues: ReadonlyArray<SchemaIssue> }> {
  readonly code = "CATALOGUE.INVALID_LISTING"
  override get message() {
    return `the listing is not valid: ${describeIssues(this.issues)}`
  }
}
