/** What affiliate requests can fail with: stable tags and codes (mapped to statuses in adapters/http/problems.ts). */
import { Data } from "effect"

/** A link's code that names no approved affiliate: no click, no attribution. */
export class AffiliateCodeNotFound extends Data.TaggedError("AffiliateCodeNotFound")<{ readonly affiliateCode: string }> {
  readonly code = "AFFILIATE.CODE_NOT_FOUND"
  override get message() {
    return `no approved affiliate has the code ${this.affiliateCode}`
  }
}

export class NotAnAffiliate extends Data.TaggedError("NotAnAffiliate")<{ readonly application: string }> {
  readonly code = "AFFILIATE.NOT_APPROVED"
  override get message() {
    return this.application === "NONE"
      ? "this account is not an affiliate: apply with POST /api/v1/affiliate/apply"
      : `this account is not an approved affiliate (latest application: ${this.application})`
  }
}

export class AffiliateApplicationOpen extends Data.TaggedError("AffiliateApplicationOpen")<{ readonly applicationId: string }> {
  readonly code = "AFFILIATE.APPLICATION_OPEN"
  override get message() {
    return `your application ${this.applicationId} is waiting for a decision`
  }
}

export class AlreadyAffiliate extends Data.TaggedError("AlreadyAffiliate")<object> {
  readonly code = "AFFILIATE.ALREADY_APPROVED"
  override get message() {
    return "this account is already an affiliate"
  }
}

export class InvalidAffiliateApplication extends Data.TaggedError("InvalidAffiliateApplication")<{ readonly detail: string }> {
  readonly code = "AFFILIATE.INVALID_APPLICATION"
  override get message() {
    return this.detail
  }
}
