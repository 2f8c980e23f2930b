/**
 * Errors on the wire: RFC 9457 problem details (application/problem+json) with a stable `code` and
 * a human `detail`. Statuses are decided HERE, from the error's tag — never annotated on domain or
 * application errors. A tag missing from the table is a 500 and a bug to fix (the fuzz test looks).
 */
import type { ParseResult } from "effect"
import { schemaIssues } from "../../domain/schema-issues.js"

export interface Problem {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly code: string
  readonly detail: string
  readonly instance?: string
  readonly requestId?: string
  readonly errors?: ReadonlyArray<{ readonly path: string; readonly message: string }>
  readonly retryAfterSeconds?: number
  /** An upstream's own error code (Daraja's errorCode), beside ours. */
  readonly gatewayCode?: string
}

/** tag -> HTTP status. The code is the error's own `code` (every error the API answers carries one). */
const STATUS = {
  // the request itself
  RequestInvalid: 400,
  InvalidPhone: 400,
  InvalidCartToken: 400,
  // who you are
  Unauthenticated: 401,
  InvalidLoginCode: 401,
  StepUpRequired: 403,
  AccountNotActive: 403,
  Forbidden: 403,
  NotASeller: 403,
  NotARider: 403,
  OwnerOnly: 403,
  StepUpCodeInvalid: 403,
  ForbiddenActor: 403,
  NotAnAffiliate: 403,
  // what you asked for does not exist (or is not yours: the same answer)
  NotFoundRoute: 404,
  ProductNotFound: 404,
  LocationNotFound: 404,
  CheckoutNotFound: 404,
  OrderNotFound: 404,
  CartItemNotFound: 404,
  SellerProductNotFound: 404,
  SellerVariantNotFound: 404,
  JobNotFound: 404,
  UploadNotFound: 404,
  MemberNotFound: 404,
  AffiliateCodeNotFound: 404,
  StoreNotFound: 404,
  ConversationNotFound: 404,
  // state conflicts
  IllegalTransition: 409,
  DraftIncomplete: 409,
  ChannelGone: 409,
  PaymentWindowClosed: 409,
  PaymentWindowOpen: 409,
  DisputeWindowOpen: 409,
  DisputeWindowClosed: 409,
  IdempotencyKeyReused: 409,
  OutOfStock: 409,
  CheckoutNotPayable: 409,
  PaymentInProgress: 409,
  MoneyHeld: 409,
  CheckoutAlreadyPaid: 409,
  CheckoutNotCancellable: 409,
  CancelWhilePaying: 409,
  CartChanged: 409,
  StockBelowReserved: 409,
  SkuTaken: 409,
  EditWhileSuspended: 409,
  IllegalVerificationTransition: 409,
  JobStatusRefused: 409,
  DisputeNotOpen: 409,
  NoCarrierAvailable: 409,
  SlugTaken: 409,
  AlreadyInAStore: 409,
  KycNotSubmittable: 409,
  LastOwner: 409,
  AffiliateApplicationOpen: 409,
  AlreadyAffiliate: 409,
  HandoverLocked: 423,
  // well-formed but not acceptable
  UnknownItem: 422,
  DraftVariantUnknown: 422,
  ItemNotSellable: 422,
  UnknownDiscountCode: 422,
  DiscountCodeNotApplicable: 422,
  LoyaltyRedemptionInvalid: 422,
  InvalidCart: 422,
  CartEmpty: 422,
  QuantityTooLarge: 422,
  NotDeliverable: 422,
  ChargeAboveMpesaLimit: 422,
  UnknownLocation: 422,
  RateCurrencyMismatch: 422,
  ProofRequired: 422,
  WrongHandoverCode: 422,
  EvidenceRequired: 422,
  InvalidListing: 422,
  RejectionReasonRequired: 422,
  HandoverCodeRejected: 422,
  WebhookUrlRefused: 422,
  SlugRefused: 422,
  KycInvalid: 422,
  StoreDetailsInvalid: 422,
  UploadMalformed: 422,
  UnknownUploads: 422,
  // the upload itself
  UploadEmpty: 400,
  UploadTooLarge: 413,
  UploadTypeRefused: 415,
  InvalidAffiliateApplication: 422,
  // slow down
  RateLimited: 429,
  // not the caller's fault
  // Our codes, never Daraja's (its code goes in `gatewayCode`).
  GatewayRejected: 502,
  NotifierUndeliverable: 502,
  StoreUnavailable: 503,
  CarrierUnavailable: 503,
  PartnerSignatureInvalid: 401,
  GatewayUnavailable: 503,
  RateLimiterUnavailable: 503,
  NotifierRetryLater: 503,
  StorageUnavailable: 503,
  NotReady: 503
} as const satisfies Readonly<Record<string, number>>

/** The errors the API knows how to answer: an endpoint may fail only with these (checked at compile time). */
export type MappedTag = keyof typeof STATUS
export interface MappedError {
  readonly _tag: MappedTag
  /** Our stable code, AREA.NAME: the one shape every error has (a property, or a getter when it depends on a field). */
  readonly code: `${string}.${string}`
}

/** Tags whose message is the server's business (database error text): the client reads this instead; the log keeps the message. */
const PRIVATE_DETAIL: Readonly<Record<string, string>> = {
  StoreUnavailable: "the database is unavailable right now; try again in a moment"
}

const TITLES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  411: "Length Required",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable"
}

/** 5xx tags whose `message` is written for a person (never a provider's text): it is the detail. */
const PERSON_MESSAGE: ReadonlySet<string> = new Set(["GatewayRejected", "GatewayUnavailable", "NotReady"])

/** What a client reads for a failure on our side; the request id in the problem finds the rest in the log. */
const PUBLIC_DETAIL: Readonly<Record<number, string>> = {
  502: "a service we depend on refused the request; try again later (quote the request id if it persists)",
  503: "a service we depend on is unavailable right now; try again shortly (quote the request id if it persists)"
}

export const problemType = (code: string) => `https://amana.example/problems/${code.toLowerCase().replaceAll(".", "/").replaceAll("_", "-")}`

export const problem = (status: number, code: string, detail: string, extra: Partial<Problem> = {}): Problem => ({
  type: problemType(code),
  title: TITLES[status] ?? "Error",
  status,
  code,
  detail,
  ...extra
})

/** An error value (failure channel) as a problem; undefined when the tag is not mapped (a bug). */
export const toProblem = (error: unknown): Problem | undefined => {
  if (typeof error !== "object" || error === null || !("_tag" in error)) return undefined
  const e = error as Record<string, unknown> & { _tag: string; message?: string }
  const status = (STATUS as Readonly<Record<string, number>>)[e._tag]
  if (status === undefined) return undefined
  // Our side failed: the error's own text (a database's, a provider's) stays in the log (run.ts).
  const ownText = typeof e.message === "string" && e.message !== "" ? e.message : e._tag
  const detail = PRIVATE_DETAIL[e._tag] ?? (status >= 500 && !PERSON_MESSAGE.has(e._tag) ? (PUBLIC_DETAIL[status] ?? PUBLIC_DETAIL[503]!) : ownText)
  const extra: Partial<Problem> = {}
  if (typeof e["retryAfterMs"] === "number") Object.assign(extra, { retryAfterSeconds: Math.max(1, Math.ceil(e["retryAfterMs"] / 1000)) })
  if (Array.isArray(e["issues"])) Object.assign(extra, { errors: e["issues"] })
  if (typeof e["gatewayCode"] === "string") Object.assign(extra, { gatewayCode: e["gatewayCode"] })
  return problem(status, typeof e["code"] === "string" ? e["code"] : "INTERNAL", detail, extra)
}

export const isMappedTag = (tag: string): boolean => tag in STATUS

/** A Schema decoding failure of one part of the request, as a RequestInvalid value. */
/** A route that answers 404 as if it did not exist (a wrong callback secret, /dev outside development). */
export class NotFoundRoute {
  readonly _tag = "NotFoundRoute"
  readonly code = "ROUTE.NOT_FOUND"
  readonly message = "there is nothing here"
}

export class RequestInvalid {
  readonly _tag = "RequestInvalid"
  constructor(
    readonly where: "path" | "query" | "body" | "header",
    readonly issues: ReadonlyArray<{ readonly path: string; readonly message: string }>
  ) {}
  get code(): "PHONE.INVALID" | "REQUEST.INVALID" {
    return this.issues.some((i) => i.message.startsWith("PHONE.INVALID")) ? "PHONE.INVALID" : "REQUEST.INVALID"
  }
  get message(): string {
    const first = this.issues[0]
    const what = first ? `${first.path}: ${first.message.replace(/^PHONE\.INVALID: /, "")}` : "invalid"
    return `the request ${this.where} is not valid: ${what}${this.issues.length > 1 ? ` (and ${this.issues.length - 1} more)` : ""}`
  }
  static fromParseError(where: RequestInvalid["where"], e: ParseResult.ParseError): RequestInvalid {
    return new RequestInvalid(where, schemaIssues(e, [where]))
  }
}
