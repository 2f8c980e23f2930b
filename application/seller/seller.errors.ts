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

/** A STAFF member asked for something only an OWNER may do (payout destination, staff, webhooks, KYC, statement). */
export class OwnerOnly extends Data.TaggedError("OwnerOnly")<{ readonly what: string }> {
  readonly code = "SELLER.OWNER_ONLY"
  override get message() {
    return `only the store's owner may ${this.what}`
  }
}

export class SlugTaken extends Data.TaggedError("SlugTaken")<{ readonly slug: string }> {
  readonly code = "STORE.SLUG_TAKEN"
  override get message() {
    return `the store address "${this.slug}" is taken; choose another`
  }
}

/** The slug cannot be a store's address: not a valid subdomain label, or one we keep for ourselves. */
export class SlugRefused extends Data.TaggedError("SlugRefused")<{ readonly slug: string; readonly reason: "FORMAT" | "RESERVED" }> {
  get code(): "STORE.SLUG_INVALID" | "STORE.SLUG_RESERVED" {
    return this.reason === "FORMAT" ? "STORE.SLUG_INVALID" : "STORE.SLUG_RESERVED"
  }
  override get message() {
    return this.reason === "FORMAT"
      ? "a store address is 3 to 40 lower-case letters, digits and single hyphens, not starting or ending with a hyphen"
      : `the store address "${this.slug}" is reserved; choose another`
  }
}

/** One store per person: an owner or staff member of a store cannot open or join another. */
export class AlreadyInAStore extends Data.TaggedError("AlreadyInAStore")<object> {
  readonly code = "STORE.ALREADY_MEMBER"
  override get message() {
    return "this person already belongs to a store"
  }
}

export class StoreDetailsInvalid extends Data.TaggedError("StoreDetailsInvalid")<{ readonly detail: string }> {
  readonly code = "STORE.INVALID_DETAILS"
  override get message() {
    return this.detail
  }
}

export class KycNotSubmittable extends Data.TaggedError("KycNotSubmittable")<{ readonly state: string }> {
  readonly code = "KYC.NOT_SUBMITTABLE"
  override get message() {
    return `KYC cannot be submitted while the store is ${this.state}`
  }
}

export class MemberNotFound extends Data.TaggedError("MemberNotFound")<{ readonly userId: string }> {
  readonly code = "STAFF.NOT_FOUND"
  override get message() {
    return `your store has no member ${this.userId}`
  }
}

export class LastOwner extends Data.TaggedError("LastOwner")<object> {
  readonly code = "STAFF.LAST_OWNER"
  override get message() {
    return "the store's last owner cannot be removed; make someone else an owner first"
  }
}

/** The KYC details break the rules (an ID number of the wrong shape, ...): the fields and why. */
export class KycInvalid extends Data.TaggedError("KycInvalid")<{ readonly issues: ReadonlyArray<SchemaIssue> }> {
  readonly code = "KYC.INVALID"
  override get message() {
    return `the KYC details are not valid: ${describeIssues(this.issues)}`
  }
}
