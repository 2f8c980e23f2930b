/**
 * Every port bound to its adapter, as one Layer. Processes (the API, the worker, tests, benchmarks)
 * build one runtime from it and run use cases through that runtime. This folder is the only place
 * that imports several adapters (the dependency-cruiser rule `adapters-meet-only-in-composition`).
 */
import { Config, Effect, Layer, ManagedRuntime, Option, Redacted, Runtime } from "effect"
import { DEFAULT_LOGIN_LIMITS, LoginLimits } from "../application/auth/rate-limits.js"
import { ScryptPasswordHasherLive } from "../backoffice/password.js"
import { B2CCallbackUrlsFromEnv, MpesaCallbackSecret, MpesaCallbackSecretFromEnv, stkCallbackPath } from "../adapters/daraja/b2c-callback-urls.js"
import { ConversationStoreLive } from "../adapters/postgres/conversation-store.js"
import { StkCallbackUrl } from "../application/conversations/conversation.port.js"
import { ChannelsFromEnv } from "./channels-from-env.js"
import { PaymentGatewayFromEnv } from "../adapters/daraja/layer.js"
import { NodeHttpClientLive } from "../adapters/http-client/node-client.js"
import { AdminStoreLive } from "../adapters/postgres/admin-store.js"
import { AuditLogLive } from "../adapters/postgres/audit-log.js"
import { AffiliateStoreLive } from "../adapters/postgres/affiliate-store.js"
import { AuthStoreLive } from "../adapters/postgres/auth-store.js"
import { BuyerOrderStoreLive } from "../adapters/postgres/buyer-order-store.js"
import { CartStoreLive } from "../adapters/postgres/cart-store.js"
import { CartRecoveryStoreLive } from "../adapters/postgres/cart-recovery-store.js"
import { ReferralStoreLive } from "../adapters/postgres/referral-store.js"
import { CatalogueReaderLive } from "../adapters/postgres/catalogue-store.js"
import { CheckoutStoreLive } from "../adapters/postgres/checkout-store.js"
import { CheckoutChangesLive } from "../adapters/postgres/checkout-changes.js"
import { DatabaseFromPool } from "../adapters/postgres/database.js"
import type { Sql, Database } from "../adapters/postgres/database.js"
import { prometheusLayer } from "../adapters/metrics/prometheus.js"
import { readOperationalGauges } from "../adapters/postgres/operational-readings.js"
import { TracingFromEnv } from "../adapters/telemetry/otlp.js"
import { DisbursementStoreLive } from "../adapters/postgres/disbursement-store.js"
import { ExceptionQueueLive } from "../adapters/postgres/exception-queue.js"
import { FulfilmentStoreLive, MessageStatusStoreLive, NotificationDirectoryLive } from "../adapters/postgres/fulfilment-store.js"
import { DevInboxPostgresLive, SentMessageStorePostgresLive } from "../adapters/postgres/notification-store.js"
import { LoyaltyStoreLive } from "../adapters/postgres/loyalty-store.js"
import { OrderStoreLive } from "../adapters/postgres/order-store.js"
import { PaymentStoreLive } from "../adapters/postgres/payment-store.js"
import { PlatformSettingsStoreLive } from "../adapters/postgres/platform-settings-store.js"
import { ReadinessLive } from "../adapters/postgres/readiness.js"
import { RiderJobDirectoryLive } from "../adapters/postgres/rider-job-directory.js"
import { StaffDirectoryLive } from "../adapters/postgres/staff-directory.js"
import { AlertStoreLive } from "../adapters/postgres/alert-store.js"
import { RecommendationStoreLive } from "../adapters/postgres/recommendation-store.js"
import { MilestoneStoreLive } from "../adapters/postgres/milestone-store.js"
import { InsightStoreLive } from "../adapters/postgres/insight-store.js"
import { PayoutStoreLive } from "../adapters/postgres/payout-store.js"
import { OnboardingStoreLive } from "../adapters/postgres/onboarding-store.js"
import { SellerStoreLive } from "../adapters/postgres/seller-store.js"
import { StepUpCodesLive } from "../adapters/postgres/step-up-store.js"
import { UploadStoreLive } from "../adapters/postgres/upload-store.js"
import { OutboxLive, UnitOfWorkLive } from "../adapters/postgres/unit-of-work.js"
import { WebhookStoreLive } from "../adapters/postgres/webhook-store.js"
import { rateLimiterLayerFromEnv } from "../adapters/redis/rate-limiter-from-env.js"
import { StorefrontReaderLive } from "../adapters/postgres/storefront-store.js"
import { CatalogueConnectionStoreLive, MetaFeedReaderLive } from "../adapters/postgres/meta-catalogue-store.js"
import { DailyReportStoreLive } from "../adapters/postgres/daily-report-store.js"
import { CatalogBatchApiLive } from "../adapters/meta/catalog-batch.js"
import { SecretBoxFromEnv } from "../adapters/system/secret-box.js"
import { CatalogueLinks } from "../application/meta-catalogue/meta-catalogue.port.js"
import { cacheLayerFromEnv } from "./cache-from-env.js"
import { HandoverCodesFromEnv } from "../adapters/system/handover-codes.js"
import { IdsLive } from "../adapters/system/ids.js"
import { EffectLoggerLive } from "../adapters/system/logging.js"
import { WebhookTransportLive } from "../adapters/webhooks/transport.js"
import { RiderDispatchFromEnv } from "./dispatch-from-env.js"
import { notifierLayerFromEnv } from "./notifier-from-env.js"
import { StorageFromEnv } from "./storage-from-env.js"

/** The persistence-backed ports over one pool. */
export const persistenceLayer = (pool: Sql) =>
  Layer.mergeAll(
    UnitOfWorkLive,
    OutboxLive,
    CheckoutStoreLive,
    OrderStoreLive,
    PayoutStoreLive,
    AdminStoreLive,
    AuditLogLive,
    PlatformSettingsStoreLive,
    ExceptionQueueLive
  ).pipe(Layer.provideMerge(DatabaseFromPool(pool)), Layer.provideMerge(IdsLive))

/** The REST API's stores. */
export const apiStoresLayer = Layer.mergeAll(
  AuthStoreLive,
  CatalogueReaderLive,
  CartStoreLive,
  PaymentStoreLive,
  BuyerOrderStoreLive,
  SellerStoreLive,
  LoyaltyStoreLive,
  OnboardingStoreLive,
  UploadStoreLive,
  StepUpCodesLive,
  AffiliateStoreLive,
  StorefrontReaderLive,
  CartRecoveryStoreLive,
  ReferralStoreLive,
  ConversationStoreLive,
  RecommendationStoreLive,
  MetaFeedReaderLive,
  CatalogueConnectionStoreLive,
  DailyReportStoreLive
)

/**
 * Where a product's page is, for Meta's catalogue: STOREFRONT_BASE_URL + /products/<id> when a
 * storefront is configured, else the API's own product (PUBLIC_BASE_URL + /api/v1/products/<id>).
 */
export const CatalogueLinksFromEnv = Layer.sync(CatalogueLinks, () => {
  const storefront = process.env["STOREFRONT_BASE_URL"]?.replace(/\/+$/, "")
  const base =
    storefront !== undefined && storefront !== ""
      ? storefront
      : `${(process.env["PUBLIC_BASE_URL"] ?? `http://127.0.0.1:${process.env["PORT"] ?? 3000}`).replace(/\/+$/, "")}/api/v1`
  return CatalogueLinks.of({ productLink: (productId) => `${base}/products/${encodeURIComponent(productId)}` })
})

/** Where Daraja posts an STK push's result when the worker asks for the push (a chat's YES): PUBLIC_BASE_URL read at each push, as the HTTP routes do. */
const StkCallbackUrlFromEnv = Layer.effect(
  StkCallbackUrl,
  Effect.map(MpesaCallbackSecret, (secret) =>
    Effect.sync(
      () =>
        `${(process.env["PUBLIC_BASE_URL"] ?? `http://127.0.0.1:${process.env["PORT"] ?? 3000}`).replace(/\/+$/, "")}${stkCallbackPath(Redacted.value(secret))}`
    )
  )
)

/** Notifier from the environment (WhatsApp when WHATSAPP_TOKEN is set); the dev inbox (reader) is always there for GET /dev/messages. */
// The dev inbox first: in a merge the later layer's services win, and the Notifier must be the one the environment chose
// (DevInboxPostgresLive provides a Notifier too; merged last it silently replaced WhatsApp).
export const notificationsLayer = Layer.merge(DevInboxPostgresLive, notifierLayerFromEnv(DevInboxPostgresLive)).pipe(
  Layer.provide(SentMessageStorePostgresLive)
)

/** Fulfilment and money out: stores, rider dispatch (pool, plus the partner when configured), handover codes, merchant webhook transport, B2C callback URLs. */
export const fulfilmentLayer = Layer.mergeAll(
  FulfilmentStoreLive,
  ExceptionQueueLive,
  NotificationDirectoryLive,
  RiderJobDirectoryLive,
  StaffDirectoryLive,
  MilestoneStoreLive,
  AlertStoreLive,
  InsightStoreLive,
  MessageStatusStoreLive,
  WebhookStoreLive,
  DisbursementStoreLive,
  RiderDispatchFromEnv,
  HandoverCodesFromEnv,
  WebhookTransportLive,
  // the callback secret stays in the runtime: the HTTP routes read it from there
  Layer.merge(B2CCallbackUrlsFromEnv, StkCallbackUrlFromEnv).pipe(Layer.provideMerge(MpesaCallbackSecretFromEnv))
)

/**
 * OTP_GLOBAL_LIMIT: login codes the whole platform sends per 15 minutes (default 3,000; code
 * exchanges may be twice that). A cost and abuse ceiling: size it to real peak traffic.
 */
export const LoginLimitsFromEnv = Layer.effect(
  LoginLimits,
  Effect.map(
    Config.option(
      Config.integer("OTP_GLOBAL_LIMIT").pipe(Config.validate({ message: "OTP_GLOBAL_LIMIT must be a positive integer", validation: (n) => n > 0 }))
    ),
    (global) =>
      Option.match(global, { onNone: () => DEFAULT_LOGIN_LIMITS, onSome: (n) => ({ ...DEFAULT_LOGIN_LIMITS, codesGlobal: n, attemptsGlobal: 2 * n }) })
  )
)

/**
 * Metrics (the port and the process's Prometheus registry, adapters/metrics/prometheus.ts), its
 * database gauges read through the platform's pool when /metrics is scraped.
 */
export const metricsLayer = Layer.unwrapEffect(
  Effect.map(Effect.runtime<Database>(), (rt) => prometheusLayer(() => Runtime.runPromise(rt)(readOperationalGauges.pipe(Effect.withTracerEnabled(false)))))
)

/** Everything a process needs. Add new port bindings here. */
export const platformLayer = (pool: Sql) =>
  // The PaymentGateway is chosen by MPESA_ENV (the simulator by default); the services share the pool and one HttpClient.
  // EffectLoggerLive: every Effect log line is JSON and redacted (adapters/system/logging.ts).
  // TracingFromEnv: spans exported by OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (adapters/telemetry/otlp.ts).
  // The simulator keeps its memory in the database through its own Database instance: its writes never join a caller's transaction.
  Layer.mergeAll(
    apiStoresLayer,
    notificationsLayer,
    PaymentGatewayFromEnv.pipe(Layer.provide(DatabaseFromPool(pool))),
    fulfilmentLayer,
    LoginLimitsFromEnv,
    StorageFromEnv,
    EffectLoggerLive,
    metricsLayer,
    TracingFromEnv,
    ReadinessLive(),
    ChannelsFromEnv,
    CatalogBatchApiLive,
    SecretBoxFromEnv,
    CatalogueLinksFromEnv,
    CheckoutChangesLive(pool)
  ).pipe(Layer.provideMerge(Layer.mergeAll(persistenceLayer(pool), NodeHttpClientLive(), rateLimiterLayerFromEnv, cacheLayerFromEnv, ScryptPasswordHasherLive)))

export type PlatformServices = Layer.Layer.Success<ReturnType<typeof platformLayer>>
export type PlatformRuntime = ManagedRuntime.ManagedRuntime<PlatformServices, Layer.Layer.Error<ReturnType<typeof platformLayer>>>

export const makePlatformRuntime = (pool: Sql): PlatformRuntime => ManagedRuntime.make(platformLayer(pool))
