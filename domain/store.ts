/**
 * A store as its owner runs it: the slug it is reached by (a subdomain label), who may do what
 * (OWNER, STAFF), what KYC asks for, where its money goes and when a changed destination may be paid.
 */
import { Schema } from "effect"

// ---------------------------------------------------------------------------------------------
// Slugs

/**
 * Slugs a store may not take: our own hosts and paths, and names a buyer would mistake for the
 * platform. Compared after normalisation (lower case), so "WWW" is "www".
 */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  "www",
  "api",
  "admin",
  "app",
  "apps",
  "assets",
  "auth",
  "backoffice",
  "billing",
  "blog",
  "buyer",
  "cdn",
  "dashboard",
  "dev",
  "docs",
  "ftp",
  "help",
  "imap",
  "login",
  "mail",
  "m",
  "media",
  "mpesa",
  "ns1",
  "ns2",
  "payments",
  "pop",
  "rider",
  "riders",
  "root",
  "secure",
  "seller",
  "sellers",
  "shop",
  "smtp",
  "static",
  "staging",
  "status",
  "store",
  "stores",
  "support",
  "test",
  "amana",
  "affiliate",
  "affiliates",
  "uploads",
  "webhooks",
  "whatsapp"
])

/**
 * A DNS label we can serve as `<slug>.<STORE_DOMAIN>`: 3 to 40 lower-case letters, digits and
 * single hyphens, starting with a letter or digit and not ending with a hyphen. No "--" (it is how
 * punycode labels start, "xn--", and reads as a typo).
 */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9]|-(?!-)){1,38}[a-z0-9]$/

export type SlugProblem = "FORMAT" | "RESERVED"

/** Why a (normalised) slug cannot be taken, or undefined when it can. */
export const slugProblem = (slug: string): SlugProblem | undefined => (!SLUG_PATTERN.test(slug) ? "FORMAT" : RESERVED_SLUGS.has(slug) ? "RESERVED" : undefined)

/** What a person types, the way it is stored: trimmed and lower case. */
export const normaliseSlug = (input: string): string => input.trim().toLowerCase()

// ---------------------------------------------------------------------------------------------
// Members

export const StoreRole = Schema.Literal("OWNER", "STAFF")
export type StoreRole = typeof StoreRole.Type

/**
 * What a member may do. STAFF run the shop floor (products, stock, orders); money and who works
 * there (payout destination, statement, staff, webhooks, KYC), and how far the chat bot may act
 * alone (CHAT_SETTINGS), and the store's Meta catalogue with its access token (META_CATALOGUE), are the OWNER's.
 */
/** INSIGHTS (issue 15): the store's daily figures, revenue included: the owner's, like the statement. */
export type StoreCapability =
  "PRODUCTS" | "STOCK" | "ORDERS" | "STATEMENT" | "PAYOUT_METHOD" | "STAFF" | "WEBHOOKS" | "KYC" | "CHAT_SETTINGS" | "META_CATALOGUE" | "INSIGHTS"

const STAFF_MAY: ReadonlySet<StoreCapability> = new Set(["PRODUCTS", "STOCK", "ORDERS"])

export const roleMay = (role: StoreRole, capability: StoreCapability): boolean => role === "OWNER" || STAFF_MAY.has(capability)

/**
 * Removing a member must leave the store someone who can run its money: the last OWNER stays.
 * `members` is the store's membership before the removal.
 */
export const canRemoveMember = (members: ReadonlyArray<{ readonly userId: string; readonly role: StoreRole }>, userId: string): boolean => {
  const target = members.find((m) => m.userId === userId)
  if (target === undefined) return false
  return target.role !== "OWNER" || members.some((m) => m.role === "OWNER" && m.userId !== userId)
}

// ---------------------------------------------------------------------------------------------
// KYC

export const IdDocumentType = Schema.Literal("NATIONAL_ID", "PASSPORT")
export type IdDocumentType = typeof IdDocumentType.Type

/** Kenyan national ID numbers are 7 or 8 digits; passports a letter or two and 6 to 8 digits (Kenyan: AK1234567). */
const ID_NUMBER: { readonly [T in IdDocumentType]: RegExp } = {
  NATIONAL_ID: /^\d{7,8}$/,
  PASSPORT: /^[A-Z]{1,2}\d{6,8}$/
}
/** KRA PIN: a letter (A for individuals, P for companies), 9 digits, a letter. */
export const KRA_PIN = /^[AP]\d{9}[A-Z]$/
/** Business permits vary by county: 4 to 30 letters, digits, slashes and hyphens. */
export const PERMIT_NUMBER = /^[A-Z0-9][A-Z0-9/-]{3,29}$/

export const KycSubmission = Schema.Struct({
  idType: IdDocumentType,
  idNumber: Schema.String,
  kraPin: Schema.String.pipe(Schema.pattern(KRA_PIN, { message: () => "a KRA PIN is a letter, 9 digits and a letter (A123456789B)" })),
  /** present exactly when the business is registered */
  businessPermitNumber: Schema.optionalWith(
    Schema.String.pipe(Schema.pattern(PERMIT_NUMBER, { message: () => "a business permit number is 4-30 letters, digits, '/' or '-'" })),
    { exact: true }
  ),
  documentIds: Schema.Array(Schema.String).pipe(Schema.minItems(1), Schema.maxItems(10))
}).pipe(
  Schema.filter((k) =>
    ID_NUMBER[k.idType].test(k.idNumber)
      ? true
      : k.idType === "NATIONAL_ID"
        ? "a national ID number is 7 or 8 digits"
        : "a passport number is one or two letters and 6 to 8 digits"
  )
)
export type KycSubmission = typeof KycSubmission.Type

/** Typed the way people do (spaces, lower case): stored upper case without spaces. */
export const normaliseIdentifier = (input: string): string => input.replace(/[\s]+/g, "").toUpperCase()

/** Who may (re)submit KYC: a new store, one waiting for review (an update), or one that was rejected (back to PENDING). */
export const kycSubmittable = (state: string): boolean => state === "PENDING" || state === "REJECTED"

// ---------------------------------------------------------------------------------------------
// Payout destination

export type PayoutDestination =
  | { readonly method: "B2C"; readonly phone: string }
  | { readonly method: "TILL"; readonly tillNumber: string }
  | { readonly method: "PAYBILL"; readonly paybillNumber: string; readonly accountRef: string }

/** A new payout destination is not paid to for this long: time for the owner to notice a change they did not make. */
export const PAYOUT_HOLD_MS = 24 * 3_600_000
