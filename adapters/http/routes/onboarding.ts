/**
 * A store from nothing, over HTTP: open a store, KYC with uploaded documents, the payout
 * destination (with a step-up code), staff, archiving products; and the uploads themselves.
 */
import { Effect, Schema } from "effect"
import { STEP_UP_TTL_MS } from "../../../application/auth/step-up.js"
import type { StoreProfile } from "../../../application/seller/onboarding.port.js"
import {
  archiveProduct,
  inviteStaff,
  restoreProduct,
  listStaff,
  myStore,
  openStore,
  removeStaff,
  requestOwnerCode,
  requestPayoutMethodCode,
  setPayoutMethod,
  submitKyc
} from "../../../application/seller/onboarding.js"
import { readUpload, upload } from "../../../application/uploads/uploads.js"
import { storeBadges } from "../../../application/milestones/milestones.js"
import { Badge } from "./stores.js"
import { IdDocumentType, PAYOUT_HOLD_MS, StoreRole } from "../../../domain/store.js"
import type { PayoutDestination } from "../../../domain/store.js"
import { MAX_UPLOAD_BYTES, UPLOAD_TYPES } from "../../../domain/upload-content.js"
import { BinaryFile, endpoint, header, me } from "../endpoint.js"
import { Id, IdParam, Instant, Phone, ProductIdParam, WireCategoryId, WireLocationId, WireUserId } from "../wire.js"

const Code = Schema.String.pipe(Schema.pattern(/^\d{6}$/, { message: () => "the code is 6 digits" }))
const ShortText = (max: number) => Schema.String.pipe(Schema.minLength(1), Schema.maxLength(max))

const PayoutMethodView = Schema.Union(
  Schema.Struct({ method: Schema.Literal("B2C"), phone: Schema.String }),
  Schema.Struct({ method: Schema.Literal("TILL"), tillNumber: Schema.String }),
  Schema.Struct({ method: Schema.Literal("PAYBILL"), paybillNumber: Schema.String, accountRef: Schema.String })
).annotations({ identifier: "PayoutMethod" })

const KycView = Schema.Struct({
  idType: IdDocumentType,
  idNumber: Schema.String,
  kraPin: Schema.String,
  businessPermitNumber: Schema.optional(Schema.String),
  documentIds: Schema.Array(Schema.String)
})

const SellerStoreView = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  slug: Schema.optional(Schema.String),
  mainCategoryId: Schema.optional(Schema.String),
  locationId: Schema.optional(Schema.String),
  contactPhone: Schema.optional(Schema.String),
  role: StoreRole,
  kycState: Schema.String,
  kycReason: Schema.optional(Schema.String),
  kycSubmittedAt: Schema.optional(Instant),
  kyc: Schema.optional(KycView).annotations({ description: "the OWNER only" }),
  payoutMethod: Schema.optional(PayoutMethodView).annotations({ description: "the OWNER only" }),
  payoutMethodChangedAt: Schema.optional(Instant),
  payoutsHeldUntil: Schema.optional(Instant),
  createdAt: Instant,
  badges: Schema.optional(Schema.Array(Badge)).annotations({
    description: "GET /api/v1/seller/store: milestones reached (first sale, 10, 50, 100 sales, the first KES 100,000)"
  })
}).annotations({ identifier: "SellerStore" })

const storeView = (role: "OWNER" | "STAFF", p: StoreProfile) => ({
  id: p.id as string,
  name: p.name,
  slug: p.slug,
  mainCategoryId: p.mainCategoryId,
  locationId: p.locationId,
  contactPhone: p.contactPhone,
  role,
  kycState: p.kycState,
  kycReason: p.kycReason,
  kycSubmittedAt: p.kycSubmittedAt,
  kyc: p.kyc,
  payoutMethod: p.payout,
  payoutMethodChangedAt: p.payoutMethodChangedAt,
  payoutsHeldUntil: p.payoutMethodChangedAt === undefined ? undefined : p.payoutMethodChangedAt + PAYOUT_HOLD_MS,
  createdAt: p.createdAt
})

const Member = Schema.Struct({ userId: Schema.String, phone: Schema.String, role: StoreRole, addedAt: Instant }).annotations({ identifier: "StoreMember" })

const Upload = Schema.Struct({
  id: Schema.String,
  contentType: Schema.Literal(...UPLOAD_TYPES),
  sizeBytes: Schema.Int,
  sha256: Schema.String,
  createdAt: Instant
}).annotations({ identifier: "Upload" })

const PayoutMethodBody = Schema.Union(
  Schema.Struct({ method: Schema.Literal("B2C"), phone: Phone, code: Code }),
  Schema.Struct({
    method: Schema.Literal("TILL"),
    tillNumber: Schema.String.pipe(Schema.pattern(/^\d{5,10}$/, { message: () => "a Till number is 5-10 digits" })),
    code: Code
  }),
  Schema.Struct({
    method: Schema.Literal("PAYBILL"),
    paybillNumber: Schema.String.pipe(Schema.pattern(/^\d{5,10}$/, { message: () => "a Paybill number is 5-10 digits" })),
    accountRef: Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9 -]{1,20}$/, { message: () => "an account reference is 1-20 letters, digits, spaces or '-'" })),
    code: Code
  })
)

const destinationOf = (body: typeof PayoutMethodBody.Type): PayoutDestination =>
  body.method === "B2C"
    ? { method: "B2C", phone: body.phone }
    : body.method === "TILL"
      ? { method: "TILL", tillNumber: body.tillNumber }
      : { method: "PAYBILL", paybillNumber: body.paybillNumber, accountRef: body.accountRef.trim() }

export const onboardingRoutes = [
  endpoint({
    method: "post",
    path: "/api/v1/seller/stores",
    tag: "Seller",
    summary: "Open a store: the caller becomes its OWNER; KYC starts PENDING (products can be drafted, nothing is sold before KYC is verified)",
    description:
      "The slug is the store's address (`<slug>.<STORE_DOMAIN>`): 3-40 lower-case letters, digits and single hyphens. A taken slug is 409 STORE.SLUG_TAKEN; a reserved one (www, api, admin, ...) 422 STORE.SLUG_RESERVED. One store per person: a member of a store gets 409 STORE.ALREADY_MEMBER. The location is a town or market of GET /api/v1/locations.",
    auth: "required",
    body: Schema.Struct({
      name: ShortText(120),
      slug: ShortText(64),
      mainCategoryId: WireCategoryId,
      locationId: WireLocationId,
      contactPhone: Phone
    }),
    status: 201,
    response: SellerStoreView,
    errors: [400, 401, 409, 422],
    handler: ({ body, ctx }) => Effect.map(openStore(me(ctx).user.id, body), (p) => storeView("OWNER", p))
  }),
  endpoint({
    method: "get",
    path: "/api/v1/seller/store",
    tag: "Seller",
    summary: "The caller's store: details, KYC state, payout destination (the OWNER sees KYC details and the destination)",
    auth: "required",
    response: SellerStoreView,
    errors: [401, 403],
    handler: ({ ctx }) =>
      Effect.flatMap(myStore(me(ctx).user.id), ({ role, profile }) =>
        Effect.map(storeBadges(profile.id), (badges) => ({ ...storeView(role, profile), badges }))
      )
  }),
  endpoint({
    method: "put",
    path: "/api/v1/seller/store/kyc",
    tag: "Seller",
    summary: "Submit KYC (OWNER): ID or passport number, KRA PIN, business permit when registered, and uploaded documents",
    description:
      "documentIds are ids from POST /api/v1/uploads, uploaded by the caller. Allowed while KYC is PENDING (an update) or REJECTED (back to PENDING for a new review).",
    auth: "required",
    body: Schema.Struct({
      idType: IdDocumentType,
      idNumber: ShortText(20),
      kraPin: Schema.String.pipe(Schema.pattern(/^[AP]\d{9}[A-Z]$/, { message: () => "a KRA PIN is A or P, 9 digits and a letter (A123456789B)" })),
      businessPermitNumber: Schema.optional(
        Schema.String.pipe(Schema.pattern(/^[A-Z0-9][A-Z0-9/-]{3,29}$/, { message: () => "4-30 capital letters, digits, '/' or '-'" }))
      ),
      documentIds: Schema.Array(Id).pipe(Schema.minItems(1), Schema.maxItems(10))
    }),
    response: SellerStoreView,
    errors: [400, 401, 403, 409, 422],
    handler: ({ body, ctx }) =>
      Effect.map(
        submitKyc(me(ctx).user.id, {
          idType: body.idType,
          idNumber: body.idNumber,
          kraPin: body.kraPin,
          ...(body.businessPermitNumber !== undefined && { businessPermitNumber: body.businessPermitNumber }),
          documentIds: body.documentIds
        }),
        (p) => storeView("OWNER", p)
      )
  }),
  endpoint({
    method: "post",
    path: "/api/v1/seller/store/payout-method/code",
    tag: "Seller",
    summary: "Send the OWNER a one-time code (to their own phone) that confirms a change of payout destination",
    description: `The code is valid ${STEP_UP_TTL_MS / 60_000} minutes, for this purpose only (a login code does not work), once; at most 3 are sent per 15 minutes.`,
    auth: "required",
    status: 202,
    response: Schema.Struct({ sent: Schema.Literal(true), expiresAt: Instant }),
    errors: [401, 403, 429, 503],
    handler: ({ ctx }) => Effect.map(requestPayoutMethodCode(me(ctx).user), (sent) => ({ sent: true as const, expiresAt: sent.expiresAt }))
  }),
  endpoint({
    method: "put",
    path: "/api/v1/seller/store/payout-method",
    tag: "Seller",
    summary: "Set where the store is paid (OWNER, with a fresh code): an M-Pesa phone (B2C), or the store's own Till or Paybill",
    description:
      "`code` comes from POST /api/v1/seller/store/payout-method/code (403 AUTH.STEP_UP_INVALID when wrong, expired or used). After a change the store's payouts are held for 24 hours (payoutsHeldUntil): the weekly batch carries them over.",
    auth: "required",
    body: PayoutMethodBody,
    response: SellerStoreView,
    errors: [400, 401, 403, 429],
    handler: ({ body, ctx }) => Effect.map(setPayoutMethod(me(ctx).user, destinationOf(body), body.code), (p) => storeView("OWNER", p))
  }),
  endpoint({
    method: "get",
    path: "/api/v1/seller/staff",
    tag: "Seller",
    summary: "The store's members (OWNER)",
    auth: "required",
    response: Schema.Struct({ items: Schema.Array(Member) }),
    errors: [401, 403],
    handler: ({ ctx }) => Effect.map(listStaff(me(ctx).user.id), (items) => ({ items }))
  }),
  endpoint({
    method: "post",
    path: "/api/v1/seller/staff/owner-code",
    tag: "Seller",
    summary: "Send the OWNER a one-time code (to their own phone) that confirms making someone an OWNER",
    description: `The code is valid ${STEP_UP_TTL_MS / 60_000} minutes, for this purpose only (neither a login code nor a payout code works), once; at most 3 are sent per 15 minutes.`,
    auth: "required",
    status: 202,
    response: Schema.Struct({ sent: Schema.Literal(true), expiresAt: Instant }),
    errors: [401, 403, 429, 503],
    handler: ({ ctx }) => Effect.map(requestOwnerCode(me(ctx).user), (sent) => ({ sent: true as const, expiresAt: sent.expiresAt }))
  }),
  endpoint({
    method: "post",
    path: "/api/v1/seller/staff",
    tag: "Seller",
    summary: "Add a member by phone as OWNER or STAFF (OWNER only); a new phone gets an account it logs into by OTP",
    description:
      "STAFF manage products, stock and orders; the payout destination, the statement, staff, webhooks and KYC are the OWNER's. Adding an existing member changes their role (the last OWNER cannot become STAFF). Making someone an OWNER (adding one, or promoting STAFF) needs `code` from POST /api/v1/seller/staff/owner-code: 403 AUTH.STEP_UP_REQUIRED without it, AUTH.STEP_UP_INVALID when wrong, expired or used.",
    auth: "required",
    body: Schema.Struct({
      phone: Phone,
      role: StoreRole,
      code: Schema.optional(
        Code.annotations({
          description: "for role OWNER: the code sent by POST /api/v1/seller/staff/owner-code"
        })
      )
    }),
    status: 201,
    response: Member,
    errors: [400, 401, 403, 409, 429],
    handler: ({ body, ctx }) => inviteStaff(me(ctx).user.id, body)
  }),
  endpoint({
    method: "delete",
    path: "/api/v1/seller/staff/:userId",
    tag: "Seller",
    summary: "Remove a member (OWNER only); the last OWNER cannot be removed",
    auth: "required",
    params: Schema.Struct({ userId: WireUserId }),
    status: 204,
    response: Schema.Void,
    errors: [400, 401, 403, 404, 409],
    handler: ({ params, ctx }) => removeStaff(me(ctx).user.id, params.userId)
  }),
  endpoint({
    method: "delete",
    path: "/api/v1/seller/products/:id",
    tag: "Seller",
    summary: "Archive a product: kept for orders' records, hidden from buyers and the review queue until restored (idempotent)",
    auth: "required",
    params: ProductIdParam,
    response: Schema.Struct({ productId: Schema.String, archived: Schema.Literal(true) }),
    errors: [400, 401, 403, 404],
    handler: ({ params, ctx }) => archiveProduct(me(ctx).user.id, params.id)
  }),
  endpoint({
    method: "post",
    path: "/api/v1/seller/products/:id/restore",
    tag: "Seller",
    summary: "Restore an archived product: back as it was, in the same review state (a VERIFIED one sells again; idempotent)",
    auth: "required",
    params: ProductIdParam,
    response: Schema.Struct({ productId: Schema.String, archived: Schema.Literal(false) }),
    errors: [400, 401, 403, 404],
    handler: ({ params, ctx }) => restoreProduct(me(ctx).user.id, params.id)
  }),
  endpoint({
    method: "post",
    path: "/api/v1/uploads",
    tag: "Uploads",
    summary: "Upload a file (a KYC document): the body is the file's bytes, Content-Type its type",
    description: `JPEG, PNG, WebP or PDF, at most ${MAX_UPLOAD_BYTES} bytes. The type is judged from the content and must match Content-Type (415 UPLOAD.TYPE_UNSUPPORTED / UPLOAD.TYPE_MISMATCH); a file whose structure does not add up is 422 UPLOAD.MALFORMED. Images are stored without their metadata (EXIF, XMP, text chunks). The file is readable only by its uploader (GET /api/v1/uploads/{id}) and the back-office's seller reviewers.`,
    auth: "required",
    binaryBody: { maxBytes: MAX_UPLOAD_BYTES, contentTypes: UPLOAD_TYPES },
    status: 201,
    response: Upload,
    errors: [400, 401, 413, 415, 422, 503],
    handler: ({ ctx }) =>
      Effect.map(upload(me(ctx).user.id, header(ctx, "content-type"), ctx.rawBytes ?? new Uint8Array()), (u) => ({
        id: u.id,
        contentType: u.contentType,
        sizeBytes: u.sizeBytes,
        sha256: u.sha256,
        createdAt: u.createdAt
      }))
  }),
  endpoint({
    method: "get",
    path: "/api/v1/uploads/:id",
    tag: "Uploads",
    summary: "Read back one of your uploads (as stored: metadata stripped)",
    auth: "required",
    params: IdParam,
    binaryResponse: { contentTypes: UPLOAD_TYPES },
    response: BinaryFile,
    errors: [400, 401, 404, 503],
    handler: ({ params, ctx }) => Effect.map(readUpload(me(ctx).user.id, params.id), ({ record, bytes }) => ({ contentType: record.contentType, bytes }))
  })
]
