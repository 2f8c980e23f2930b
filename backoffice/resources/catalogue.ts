/** Sellers (KYC), brands and products: the review queues, PENDING first, oldest first. */
import { Effect } from "effect"
import { BrandId, ProductId, StoreId } from "../../domain/ids.js"
import type { ResourceWithOptions } from "adminjs"
import { changesSinceVerified, decideBrand, decideProduct } from "../../application/admin/review-catalogue.js"
import type { CatalogueDecision } from "../../application/admin/review-catalogue.js"
import { decideSeller, sellerDecisionAllowed } from "../../application/admin/review-sellers.js"
import { connectChannelAccount, disconnectChannelAccount } from "../../application/conversations/channel-accounts.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import type { PlatformServices } from "../../composition/platform.js"
import { createBrand } from "../../application/platform/catalogue-settings.js"
import type { SellerDecision } from "../../application/admin/review-sellers.js"
import type { ProductReviewedFields } from "../../application/admin/admin.port.js"
import { canTransitionVerification } from "../../domain/catalogue.js"
import type { StoreKycState, VerificationState } from "../../domain/catalogue.js"
import { readOnlyActions, recordIdAs, text, writeAction } from "../actions.js"
import type { BackofficeContext, Field, Payload } from "../actions.js"
import { money } from "../display.js"
import { ReadModelResource } from "../read-model.js"
import { uploadUrl } from "../uploads.js"
import type { Read } from "../read-model.js"

const reasonField = (label = "Reason (the seller sees this)"): Field => ({ name: "reason", label, type: "textarea", required: true })
const noteField: Field = { name: "reason", label: "Note (optional)", type: "textarea" }

// '0' sorts the work queue first; then oldest first
const queueOrder = (pendingCondition: string, at: string) =>
  `(case when ${pendingCondition} then '0' else '1' end) || to_char(${at} at time zone 'UTC', 'YYYYMMDDHH24MISSUS')`

/** A store's chat accounts (issue 14): which WhatsApp number or Instagram account routes its chats here. */
const channelAction = (
  ctx: BackofficeContext,
  name: string,
  label: string,
  icon: string,
  run: (actor: AdminActor, storeId: StoreId, channel: string, account: string) => Effect.Effect<string, unknown, PlatformServices>
) =>
  writeAction(ctx, "sellers", name, {
    actionType: "record",
    capability: "settings.manage",
    icon,
    label,
    submitLabel: label,
    fields: [
      {
        name: "channel",
        label: "Channel",
        type: "select",
        required: true,
        options: [
          { value: "WHATSAPP", label: "WhatsApp (phone number id)" },
          { value: "INSTAGRAM", label: "Instagram (account id)" }
        ]
      },
      { name: "account", label: "Account id (digits, from Meta's Business Manager)", type: "text", required: true }
    ],
    run: (actor, payload, id) =>
      Effect.flatMap(recordIdAs(StoreId, id, "store"), (storeId) => run(actor, storeId, text(payload, "channel") ?? "", text(payload, "account") ?? ""))
  })

export const sellersResource = (ctx: BackofficeContext): ResourceWithOptions => {
  const decision = (name: SellerDecision, label: string, icon: string, fields: ReadonlyArray<Field>, variant: "danger" | "primary", done: string) =>
    writeAction(ctx, "sellers", name.toLowerCase(), {
      actionType: "record",
      capability: "sellers.review",
      icon,
      label,
      submitLabel: label,
      variant,
      fields,
      when: (p) => sellerDecisionAllowed(p["kyc_state"] as StoreKycState, name),
      run: (actor, payload, id) =>
        Effect.flatMap(recordIdAs(StoreId, id, "store"), (storeId) =>
          Effect.as(decideSeller(actor, { storeId, decision: name, reason: text(payload, "reason") }), done)
        )
    })
  return {
    resource: new ReadModelResource(
      {
        id: "sellers",
        query: `select s.id, s.name, s.kyc_state, s.kyc_reason, u.phone as owner_phone, u.display_name as owner_name, s.payout_method,
                       s.kyc_documents, s.kyc_decided_at, a.email as kyc_decided_by, s.created_at,
                       (select count(*)::int from products p where p.store_id = s.id) as products,
                       (select string_agg(c.channel || ' ' || c.account_id, ', ' order by c.channel, c.account_id) from channel_accounts c where c.store_id = s.id) as channels,
                       ${queueOrder("s.kyc_state = 'PENDING'", "s.created_at")} as review_order
                  from stores s join users u on u.id = s.owner_user_id left join admin_users a on a.id = s.kyc_decided_by`,
        properties: [
          { path: "id", isId: true, filter: "exact" },
          { path: "name" },
          { path: "kyc_state", filter: "exact" },
          { path: "kyc_reason", type: "textarea" },
          { path: "owner_name" },
          { path: "owner_phone" },
          { path: "payout_method", filter: "exact" },
          { path: "products", type: "number", filter: "none" },
          { path: "channels", filter: "none", sortable: false },
          { path: "kyc_documents", type: "textarea", filter: "none", sortable: false },
          { path: "kyc_decided_by" },
          { path: "kyc_decided_at", type: "datetime", filter: "range" },
          { path: "created_at", type: "datetime", filter: "range" },
          { path: "review_order", filter: "none" },
          { path: "kyc_files", type: "mixed", filter: "none", sortable: false }
        ],
        // the submitted documents, each readable through the admin session (backoffice/uploads.ts)
        detail: async (read, _id, row) => {
          const ids = ((row["kyc_documents"] as { documentIds?: unknown } | null)?.documentIds ?? []) as Array<unknown>
          const wanted = ids.filter((x): x is string => typeof x === "string")
          const files = await read(
            (sql) => sql<Array<{ id: string; content_type: string; size_bytes: number; created_at: Date }>>`
            select id, content_type, size_bytes, created_at from uploads where id = any(${wanted}) order by array_position(${wanted}::text[], id)`
          )
          return {
            kyc_files: files.map((f) => ({
              id: f.id,
              contentType: f.content_type,
              sizeBytes: f.size_bytes,
              uploadedAt: f.created_at,
              url: uploadUrl(f.id)
            }))
          }
        }
      },
      ctx.read
    ),
    options: {
      id: "sellers",
      navigation: { name: "Catalogue", icon: "ShoppingBag" },
      sort: { sortBy: "review_order", direction: "asc" },
      listProperties: ["name", "kyc_state", "owner_name", "owner_phone", "products", "created_at"],
      showProperties: [
        "id",
        "name",
        "kyc_state",
        "kyc_reason",
        "owner_name",
        "owner_phone",
        "payout_method",
        "products",
        "kyc_documents",
        "kyc_files",
        "kyc_decided_by",
        "kyc_decided_at",
        "created_at"
      ],
      filterProperties: ["name", "kyc_state", "owner_phone", "created_at"],
      properties: {
        kyc_state: { availableValues: ["PENDING", "VERIFIED", "REJECTED", "SUSPENDED", "BANNED"].map((v) => ({ value: v, label: v })) },
        kyc_files: { components: { show: ctx.components.KycDocuments } }
      },
      actions: {
        ...readOnlyActions("catalogue.read"),
        verify: decision("VERIFY", "Verify KYC", "CheckCircle", [noteField], "primary", "Seller verified"),
        reject: decision("REJECT", "Reject KYC", "XCircle", [reasonField()], "danger", "Seller rejected"),
        suspend: decision("SUSPEND", "Suspend", "PauseCircle", [reasonField()], "danger", "Seller suspended: their products are off sale"),
        ban: decision("BAN", "Ban", "Slash", [reasonField()], "danger", "Seller banned"),
        reinstate: decision("REINSTATE", "Reinstate", "RotateCcw", [reasonField("Why reinstate")], "primary", "Seller reinstated"),
        connectChannel: channelAction(ctx, "connectChannel", "Connect a chat channel", "Link", (actor, storeId, channel, account) =>
          Effect.map(connectChannelAccount(actor, { storeId, channel, account }), (r) =>
            r.connected ? `${channel} ${account.trim()} now routes its chats to this store` : "It already serves this store"
          )
        ),
        disconnectChannel: channelAction(ctx, "disconnectChannel", "Disconnect a chat channel", "XCircle", (actor, storeId, channel, account) =>
          Effect.as(disconnectChannelAccount(actor, { storeId, channel, account }), `${channel} ${account.trim()} disconnected`)
        )
      }
    }
  }
}

/** The version on screen when the reviewer opened the form: the verification is refused if the seller has saved another since. */
const reviewedVersionField: Field = {
  name: "reviewedVersion",
  label: "Version you reviewed (refused if the seller has changed the product since)",
  type: "number",
  from: "version",
  required: true
}
const versionOf = (payload: Payload): number | undefined => {
  const v = text(payload, "reviewedVersion")
  return v !== undefined && /^\d{1,9}$/.test(v) ? Number(v) : undefined
}

const catalogueActions = (ctx: BackofficeContext, resourceId: string, entity: "product" | "brand", stateParam: string) => {
  const action = (
    name: CatalogueDecision,
    label: string,
    icon: string,
    fields: ReadonlyArray<Field>,
    variant: "danger" | "primary",
    done: string,
    to: VerificationState
  ) =>
    writeAction(ctx, resourceId, name.toLowerCase(), {
      actionType: "record",
      capability: "catalogue.review",
      icon,
      label,
      submitLabel: label,
      variant,
      fields,
      when: (p) => canTransitionVerification(p[stateParam] as VerificationState, to),
      run: (actor, payload, id) =>
        entity === "product"
          ? Effect.flatMap(recordIdAs(ProductId, id, "product"), (productId) =>
              Effect.as(decideProduct(actor, { id: productId, decision: name, reason: text(payload, "reason"), reviewedVersion: versionOf(payload) }), done)
            )
          : Effect.flatMap(recordIdAs(BrandId, id, "brand"), (brandId) =>
              Effect.as(decideBrand(actor, { id: brandId, decision: name, reason: text(payload, "reason") }), done)
            )
    })
  return {
    verify: action(
      "VERIFY",
      "Verify",
      "CheckCircle",
      entity === "product" ? [reviewedVersionField, noteField] : [noteField],
      "primary",
      `${entity === "product" ? "Product" : "Brand"} verified`,
      "VERIFIED"
    ),
    reject: action("REJECT", "Reject", "XCircle", [reasonField()], "danger", `${entity === "product" ? "Product" : "Brand"} rejected`, "REJECTED"),
    suspend: action("SUSPEND", "Suspend", "PauseCircle", [reasonField()], "danger", `${entity === "product" ? "Product" : "Brand"} suspended`, "SUSPENDED")
  }
}

const brandState = `(case b.state when 'PENDING' then 'PENDING_REVIEW' else b.state end)`

export const brandsResource = (ctx: BackofficeContext): ResourceWithOptions => ({
  resource: new ReadModelResource(
    {
      id: "brands",
      query: `select b.id, b.name, ${brandState} as state, b.rejection_reason, s.name as proposed_by, b.created_at, b.decided_at, a.email as decided_by,
                     (select count(*)::int from products p where p.brand_id = b.id) as products,
                     ${queueOrder("b.state = 'PENDING'", "b.created_at")} as review_order
                from brands b left join stores s on s.id = b.proposed_by_store_id left join admin_users a on a.id = b.decided_by`,
      properties: [
        { path: "id", isId: true, filter: "exact" },
        { path: "name" },
        { path: "state", filter: "exact" },
        { path: "rejection_reason", type: "textarea" },
        { path: "proposed_by" },
        { path: "products", type: "number", filter: "none" },
        { path: "decided_by" },
        { path: "decided_at", type: "datetime", filter: "range" },
        { path: "created_at", type: "datetime", filter: "range" },
        { path: "review_order", filter: "none" }
      ]
    },
    ctx.read
  ),
  options: {
    id: "brands",
    navigation: { name: "Catalogue", icon: "ShoppingBag" },
    sort: { sortBy: "review_order", direction: "asc" },
    listProperties: ["name", "state", "proposed_by", "products", "created_at"],
    showProperties: ["id", "name", "state", "rejection_reason", "proposed_by", "products", "decided_by", "decided_at", "created_at"],
    filterProperties: ["name", "state"],
    properties: { state: { availableValues: ["PENDING_REVIEW", "VERIFIED", "REJECTED", "SUSPENDED"].map((v) => ({ value: v, label: v })) } },
    actions: {
      ...readOnlyActions("catalogue.read"),
      ...catalogueActions(ctx, "brands", "brand", "state"),
      newBrand: writeAction(ctx, "brands", "newBrand", {
        actionType: "resource",
        capability: "catalogue.review",
        icon: "Plus",
        label: "New brand",
        submitLabel: "Create the brand",
        fields: [
          { name: "name", label: "Name", type: "text", required: true },
          {
            name: "verify",
            label: "Verify it now",
            type: "select",
            required: true,
            options: [
              { value: "yes", label: "Yes: verified at once" },
              { value: "no", label: "No: pending review" }
            ]
          }
        ],
        run: (actor, p) =>
          Effect.map(createBrand(actor, { name: text(p, "name") ?? "", verify: text(p, "verify") !== "no" }), (r) => `Brand ${r.brandId} created (${r.state})`)
      })
    }
  }
})

const productDetail = async (read: Read, id: string) => {
  const [p] = await read(
    (sql) => sql<
      Array<{
        title: string
        description: string
        base_price: number
        currency: string
        media: Array<string>
        brand_id: BrandId | null
        last_verified: ProductReviewedFields | null
      }>
    >`
    select title, description, base_price, currency, media, brand_id, last_verified from products where id = ${id}`
  )
  const variants = await read(
    (sql) => sql<Array<{ sku: string; attributes: Record<string, unknown>; price_override: number | null; active: boolean; available: number }>>`
    select v.sku, v.attributes, v.price_override, v.active, coalesce((select sum(i.on_hand - i.reserved) from inventory i where i.variant_id = v.id), 0)::int as available
      from variants v where v.product_id = ${id} order by v.sku`
  )
  if (!p) return {}
  const current: ProductReviewedFields = {
    title: p.title,
    description: p.description,
    basePrice: { amount: p.base_price, currency: p.currency.trim() as ProductReviewedFields["basePrice"]["currency"] },
    media: p.media,
    brandId: p.brand_id,
    variants: variants.map((v) => ({ sku: v.sku, attributes: v.attributes, priceOverride: v.price_override, active: v.active }))
  }
  return {
    review: {
      description: p.description,
      media: p.media,
      variants: variants.map((v) => ({
        sku: v.sku,
        attributes: v.attributes,
        price: v.price_override === null ? null : money(v.price_override, p.currency),
        active: v.active,
        available: v.available
      })),
      lastVerified: p.last_verified !== null,
      changes: changesSinceVerified(p.last_verified, current)
    }
  }
}

export const productsResource = (ctx: BackofficeContext): ResourceWithOptions => ({
  resource: new ReadModelResource(
    {
      id: "products",
      query: `select p.id, p.title, p.state, p.rejection_reason, s.name as store, p.store_id, s.kyc_state as seller_kyc, b.name as brand,
                     p.base_price, p.currency, p.version, jsonb_array_length(p.media) as media_count, p.media->>0 as cover,
                     p.updated_at, p.created_at, p.last_verified_at, (p.last_verified is not null and p.state = 'PENDING_REVIEW') as re_review,
                     p.archived_at is not null as archived,
                     ${queueOrder("p.state = 'PENDING_REVIEW' and p.archived_at is null", "p.updated_at")} as review_order
                from products p join stores s on s.id = p.store_id left join brands b on b.id = p.brand_id`,
      properties: [
        { path: "id", isId: true, filter: "exact" },
        { path: "title" },
        { path: "state", filter: "exact" },
        { path: "price", filter: "none", sortable: false },
        { path: "store" },
        { path: "store_id", filter: "exact" },
        { path: "seller_kyc", filter: "exact" },
        { path: "brand" },
        { path: "rejection_reason", type: "textarea" },
        { path: "re_review", type: "boolean", filter: "exact" },
        { path: "archived", type: "boolean", filter: "exact" },
        { path: "version", type: "number", filter: "none" },
        { path: "media_count", type: "number", filter: "none" },
        { path: "updated_at", type: "datetime", filter: "range" },
        { path: "last_verified_at", type: "datetime", filter: "range" },
        { path: "created_at", type: "datetime", filter: "range" },
        { path: "review_order", filter: "none" },
        { path: "review", type: "mixed", filter: "none", sortable: false }
      ],
      format: (row) => ({ price: money(row["base_price"], row["currency"]) }),
      detail: (read, id) => productDetail(read, id)
    },
    ctx.read
  ),
  options: {
    id: "products",
    navigation: { name: "Catalogue", icon: "ShoppingBag" },
    sort: { sortBy: "review_order", direction: "asc" },
    listProperties: ["title", "state", "price", "store", "brand", "re_review", "archived", "updated_at"],
    showProperties: [
      "id",
      "title",
      "state",
      "price",
      "store",
      "seller_kyc",
      "brand",
      "rejection_reason",
      "version",
      "updated_at",
      "last_verified_at",
      "review"
    ],
    filterProperties: ["title", "state", "store", "re_review", "archived", "updated_at"],
    properties: {
      state: { availableValues: ["DRAFT", "PENDING_REVIEW", "VERIFIED", "REJECTED", "SUSPENDED"].map((v) => ({ value: v, label: v })) },
      review: { components: { show: ctx.components.ProductReview } }
    },
    actions: { ...readOnlyActions("catalogue.read"), ...catalogueActions(ctx, "products", "product", "state") }
  }
})
