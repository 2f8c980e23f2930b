/**
 * Which use case runs on which outbox event, worker task and cron line. Handler names are
 * idempotency keys (the first half of each `processed_events` row): never rename one that has run.
 * Each handler sends at most one external message (WhatsApp, B2C request), as its last step.
 */
import { Effect, Schema } from "effect"
import { OrderId, PayoutBatchId, PayoutId, RefundId, StkRequestId, StoreId } from "../domain/ids.js"
import { invalidateAllStoreCaches, invalidateStoreCache } from "../application/storefront/storefront.js"
import { refundReturnedOrder } from "../application/fulfilment/delivery-status.js"
import { cancelTimers, checkSlaBreaches, startDispatchTimerFor } from "../application/fulfilment/sla.js"
import { NOTIFIED_EVENTS, notifyOrderParties, notifyOrderPartiesOf } from "../application/notifications/notify-order.js"
import { notifyRiderOfJob } from "../application/notifications/notify-rider.js"
import { notifyStaffAdded } from "../application/notifications/notify-staff.js"
import { checkMilestones, congratulateOwner } from "../application/milestones/milestones.js"
import { foldIntoReadModels, INSIGHT_EVENTS } from "../application/insights/read-models.js"
import { recoverAbandonedCarts } from "../application/cart-recovery/recover-carts.js"
import { DEFAULT_REFERRAL_POINTS, rewardReferral } from "../application/referrals/referrals.js"
import { completeAfterDisputeWindow, expireUnpaidOrders } from "../application/orders/transition-order.js"
import { pollPush, reconcileCallback, sweepUnrecordedPushes } from "../application/payments/reconcile.js"
import { selectWeeklyPayoutBatch } from "../application/payouts/select-payout-batch.js"
import {
  applyB2CResult,
  applyB2CStatus,
  applyB2CTimeout,
  requestRefund,
  startPayoutBatch,
  submitPayout,
  submitRefund,
  submitStatusQuery,
  sweepUnansweredB2C
} from "../application/payouts-execution/execute.js"
import { deliverWebhook, enqueueMerchantWebhook, merchantWebhooksWanted, WEBHOOK_SOURCE_EVENTS } from "../application/webhooks/merchant-webhooks.js"
import { handleInbound, requestChatPayment, sendReply } from "../application/conversations/conversations.js"
import { countCompletedOrder } from "../application/recommendations/recommendations.js"
import { ALERT_SIGNAL_EVENTS, evaluateAlerts, pageOnCall, recordAlertSignal } from "../application/alerts/alerts.js"
import { defaultAlertThresholds } from "../domain/alerts.js"
import type { AlertThresholds } from "../domain/alerts.js"
import {
  BATCH_SUBMITTED,
  CATALOGUE_BRAND_EVENTS,
  CATALOGUE_PRODUCT_EVENTS,
  CATALOGUE_STORE_EVENTS,
  checkCatalogueBatch,
  planCatalogueSync,
  submitCatalogueSync,
  SYNC_REQUESTED
} from "../application/meta-catalogue/sync.js"
import { REPORT_REQUESTED, requestEndOfDayReports, sendDailyReport } from "../application/reports/end-of-day.js"
import type { EventHandler } from "../adapters/postgres/event-handler.js"
import { WEBHOOK_TASK } from "../adapters/postgres/webhook-store.js"
import type { PlatformServices } from "./platform.js"

const str = (payload: Readonly<Record<string, unknown>>, key: string) =>
  typeof payload[key] === "string" ? Effect.succeed(payload[key]) : Effect.die(new Error(`outbox payload without ${key}`))
/** An id from an outbox payload, decoded into its brand (domain/ids.ts): a missing or malformed one is a bug, never a silent cast. */
const id = <A>(payload: Readonly<Record<string, unknown>>, key: string, schema: Schema.Schema<A, string>) =>
  Effect.orDieWith(Schema.decodeUnknown(schema)(payload[key]), () => new Error(`outbox payload without a valid ${key}`))
const num = (payload: Readonly<Record<string, unknown>>, key: string, fallback: number) => (typeof payload[key] === "number" ? payload[key] : fallback)

/** The read models' handler: the rebuild (composition/read-models-rebuild.ts) rewrites its processed_events rows. */
export const READ_MODELS_HANDLER = "insights.read-models"

const B2CReport = Schema.Struct({
  originatorConversationId: Schema.String,
  conversationId: Schema.String,
  resultCode: Schema.String,
  resultDesc: Schema.String,
  transactionId: Schema.optional(Schema.String),
  receipt: Schema.optional(Schema.String),
  amountWhole: Schema.optional(Schema.Number),
  transactionStatus: Schema.optional(Schema.String),
  succeeded: Schema.Boolean,
  completed: Schema.optional(Schema.Boolean)
})
/** Events written before per-request tokens carried the report's fields at the top level. */
const B2CCallbackPayload = Schema.Union(
  Schema.Struct({
    callbackId: Schema.Number,
    kind: Schema.Literal("B2C_RESULT", "B2C_TIMEOUT", "B2C_STATUS_RESULT", "B2C_STATUS_TIMEOUT"),
    callbackToken: Schema.optional(Schema.String),
    report: Schema.optional(B2CReport)
  }),
  Schema.transform(
    Schema.extend(Schema.Struct({ callbackId: Schema.Number }), B2CReport),
    Schema.Struct({ callbackId: Schema.Number, kind: Schema.Literal("B2C_RESULT"), report: B2CReport }),
    {
      strict: false,
      decode: ({ callbackId, ...report }) => ({ callbackId, kind: "B2C_RESULT" as const, report }),
      encode: ({ callbackId, report }) => ({ callbackId, ...report })
    }
  )
)
const decodeCallback = (payload: unknown) => Effect.orDie(Schema.decodeUnknown(B2CCallbackPayload)(payload))

/** Changes that alter what a store shows buyers: its cache is dropped (application/storefront). Brand decisions touch every store. */
const STORE_CHANGES = [
  "PRODUCT_UPDATED",
  "PRODUCT_VERIFIED",
  "PRODUCT_REJECTED",
  "PRODUCT_SUSPENDED",
  "PRODUCT_PENDING_REVIEW",
  "SELLER_KYC_VERIFIED",
  "SELLER_KYC_REJECTED",
  "SELLER_KYC_SUSPENDED",
  "SELLER_KYC_BANNED",
  "STORE_OPENED",
  "STOCK_SET",
  "MILESTONE_REACHED"
]
const BRAND_CHANGES = ["BRAND_VERIFIED", "BRAND_REJECTED", "BRAND_SUSPENDED", "BRAND_PENDING_REVIEW"]

export const handlers: ReadonlyArray<EventHandler<PlatformServices>> = [
  {
    name: "storefront.invalidate-cache",
    on: [...STORE_CHANGES, ...BRAND_CHANGES],
    handle: (e) => (BRAND_CHANGES.includes(e.type) ? invalidateAllStoreCaches() : Effect.flatMap(id(e.payload, "storeId", StoreId), invalidateStoreCache))
  },
  // Meta catalogue (application/meta-catalogue/sync.ts): which connected stores a change touches, one
  // items_batch call per request (its last step), then Meta's per-item outcome polled (its own transactions).
  { name: "meta-catalogue.plan", on: [...CATALOGUE_PRODUCT_EVENTS, ...CATALOGUE_STORE_EVENTS, ...CATALOGUE_BRAND_EVENTS], handle: planCatalogueSync },
  { name: "meta-catalogue.submit", on: [SYNC_REQUESTED], handle: (e) => submitCatalogueSync(e.payload) },
  {
    name: "meta-catalogue.check-batch",
    on: [BATCH_SUBMITTED],
    handle: (e) => Effect.flatMap(str(e.payload, "batchId"), checkCatalogueBatch),
    ownTransactions: true
  },
  // M-Pesa: a stored callback is confirmed by STK query and settled; every accepted push is also
  // polled (a "still processing" answer fails the job, and graphile-worker retries it with backoff).
  // Both ask Daraja before they lock anything, so they open their own transactions (and are idempotent by the push's state).
  {
    name: "payments.reconcile-callback",
    on: ["MPESA_CALLBACK_RECEIVED"],
    handle: (e) => Effect.flatMap(str(e.payload, "callbackId"), reconcileCallback),
    ownTransactions: true
  },
  {
    name: "payments.poll-push",
    on: ["PAYMENT_STK_REQUESTED"],
    handle: (e) => Effect.flatMap(id(e.payload, "stkRequestId", StkRequestId), pollPush),
    ownTransactions: true
  },
  // Chats (issue 14): each inbound message read and answered; each reply sent once; the STK push a YES asks for
  // (Daraja is called between its own transactions, like the payment handlers above).
  { name: "conversations.handle-inbound", on: ["CONVERSATION_MESSAGE_RECEIVED"], handle: (e) => Effect.flatMap(str(e.payload, "messageId"), handleInbound) },
  { name: "conversations.send-reply", on: ["CONVERSATION_REPLY_QUEUED"], handle: (e) => Effect.flatMap(str(e.payload, "messageId"), sendReply) },
  {
    name: "conversations.request-payment",
    on: ["CONVERSATION_PAYMENT_REQUESTED"],
    handle: (e) =>
      Effect.flatMap(
        Effect.all({
          conversationId: str(e.payload, "conversationId"),
          checkoutId: str(e.payload, "checkoutId"),
          buyerId: str(e.payload, "buyerId"),
          phone: str(e.payload, "phone")
        }),
        requestChatPayment
      ),
    ownTransactions: true
  },
  // Fulfilment and money out: notifications, merchant webhooks, SLA timers, refunds, payouts.
  // buyer and seller in one run, each message sent once by its dedupe key (application/notifications/notify-order.ts)
  // the orders' facts read once for a job's events (a paid checkout's ORDER_PAID, one per store)
  { name: "notify.order", on: NOTIFIED_EVENTS, ownTransactions: true, handle: notifyOrderParties, prepare: notifyOrderPartiesOf },
  { name: "notify.rider", on: ["ORDER_DISPATCHED"], handle: notifyRiderOfJob },
  { name: "notify.staff", on: ["STORE_MEMBER_ADDED"], handle: notifyStaffAdded },
  { name: "milestones.check", on: ["ORDER_COMPLETED"], handle: (e) => Effect.asVoid(checkMilestones(e)) },
  { name: "notify.milestone", on: ["MILESTONE_REACHED"], handle: congratulateOwner },
  // the end-of-day report (application/reports): each claimed report sent once
  { name: "notify.daily-report", on: [REPORT_REQUESTED], handle: sendDailyReport },
  // the daily read models (issue 15: application/insights); `npm run read-models:rebuild` refolds them under this name.
  // One statement with its claim, no transaction: ~3.6 runs per buyer flow.
  {
    name: READ_MODELS_HANDLER,
    on: INSIGHT_EVENTS,
    oneStatement: (e, claim) => foldIntoReadModels({ id: e.id, type: e.type, payload: e.payload, occurredAt: e.occurredAt.getTime() }, claim)
  },
  // "bought together" and best sellers (application/recommendations): counted once per completed order
  { name: "recommendations.count", on: ["ORDER_COMPLETED"], handle: (e) => Effect.asVoid(countCompletedOrder(e)) },
  // a referred buyer's first completed order pays both sides (application/referrals): decided once per referral
  {
    name: "referrals.reward",
    on: ["ORDER_COMPLETED"],
    handle: (e) => Effect.flatMap(id(e.payload, "orderId", OrderId), (o) => rewardReferral(o, referralPoints()))
  },
  // platform alerts (application/alerts): payment outcomes and SLA breaches become signals (one statement with its claim);
  // each page to an on-call admin is one WhatsApp message
  { name: "alerts.record-signal", on: ALERT_SIGNAL_EVENTS, oneStatement: recordAlertSignal },
  { name: "notify.on-call", on: ["ALERT_PAGE_REQUESTED"], handle: pageOnCall },
  // asked first, outside a transaction, once for a job's events: most stores have no webhook URL, and their events then cost a share of one read
  {
    name: "webhooks.enqueue",
    on: WEBHOOK_SOURCE_EVENTS,
    relevant: merchantWebhooksWanted,
    handle: (e) => enqueueMerchantWebhook({ ...e, occurredAt: e.occurredAt.getTime() })
  },
  {
    name: "fulfilment.sla-timers",
    on: ["ORDER_ACCEPTED", "ORDER_CANCELLED", "ORDER_RETURNED", "ORDER_REFUNDED", "ORDER_COMPLETED"],
    handle: (e) =>
      Effect.flatMap(id(e.payload, "orderId", OrderId), (orderId) =>
        e.type === "ORDER_ACCEPTED"
          ? startDispatchTimerFor(orderId, num(e.payload, "at", e.occurredAt.getTime()))
          : cancelTimers(orderId, num(e.payload, "at", e.occurredAt.getTime()))
      )
  },
  { name: "fulfilment.refund-returned", on: ["ORDER_RETURNED"], handle: (e) => Effect.flatMap(id(e.payload, "orderId", OrderId), refundReturnedOrder) },
  { name: "refunds.request", on: ["ORDER_REFUNDED", "ORDER_CANCELLED"], handle: (e) => Effect.flatMap(id(e.payload, "orderId", OrderId), requestRefund) },
  { name: "refunds.submit-b2c", on: ["REFUND_REQUESTED"], handle: (e) => Effect.flatMap(id(e.payload, "refundId", RefundId), submitRefund) },
  { name: "payouts.start-batch", on: ["PAYOUT_BATCH_APPROVED"], handle: (e) => Effect.flatMap(id(e.payload, "batchId", PayoutBatchId), startPayoutBatch) },
  { name: "payouts.submit-b2c", on: ["PAYOUT_REQUESTED"], handle: (e) => Effect.flatMap(id(e.payload, "payoutId", PayoutId), submitPayout) },
  {
    name: "payouts.apply-b2c-result",
    on: ["MPESA_B2C_RESULT_RECEIVED"],
    handle: (e) =>
      Effect.flatMap(decodeCallback(e.payload), (c) => {
        const token = "callbackToken" in c ? c.callbackToken : undefined
        return c.kind === "B2C_RESULT" && c.report !== undefined
          ? applyB2CResult(c.callbackId, c.report, token)
          : applyB2CTimeout(c.callbackId, token, c.report)
      })
  },
  { name: "payouts.submit-status-query", on: ["B2C_STATUS_QUERY_REQUESTED"], handle: (e) => Effect.flatMap(str(e.payload, "queryId"), submitStatusQuery) },
  {
    name: "payouts.apply-status-result",
    on: ["MPESA_B2C_STATUS_RECEIVED"],
    handle: (e) =>
      Effect.flatMap(decodeCallback(e.payload), (c) => applyB2CStatus(c.callbackId, "callbackToken" in c ? c.callbackToken : undefined, c.kind, c.report))
  }
]

const DeliveryPayload = Schema.Struct({ deliveryId: Schema.String })

/** Worker tasks by name (startWorker's `tasks`): cron targets and the webhook delivery job. */
export const tasks = {
  orders__expire_unpaid: () => expireUnpaidOrders(),
  orders__complete_after_dispute_window: () => completeAfterDisputeWindow(),
  payouts__select_weekly_batch: () => selectWeeklyPayoutBatch(),
  payments__sweep_unrecorded_pushes: () => sweepUnrecordedPushes(),
  [WEBHOOK_TASK]: (payload: unknown) => Effect.flatMap(Effect.orDie(Schema.decodeUnknown(DeliveryPayload)(payload)), (p) => deliverWebhook(p.deliveryId)),
  fulfilment__check_sla: () => checkSlaBreaches(),
  // abandoned carts: the 1 h, 24 h and 72 h WhatsApp templates (application/cart-recovery)
  carts__recover_abandoned: () => recoverAbandonedCarts(),
  // B2C payouts and refunds with no Result in time are checked with Daraja's Transaction Status query.
  payouts__sweep_unanswered_b2c: () => sweepUnansweredB2C(b2cResultTimeoutMs()),
  // platform alerts: payment success, outbox lag, dead letters, SLA breaches per zone (thresholds from ALERT_* variables)
  alerts__evaluate: () => evaluateAlerts(alertThresholds()),
  // 21:00 Nairobi: the end-of-day reports (each store with activity, the platform's to its admins), each once
  reports__end_of_day: () => requestEndOfDayReports()
}

/** A positive integer from the environment, else the default (a bad value is ignored). */
const positive = (name: string, fallback: number, min = 1) => {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === "") return fallback
  const n = Number(raw)
  return Number.isSafeInteger(n) && n >= min ? n : fallback
}

/**
 * The alert thresholds (docs/operations.md, "Alerts"): ALERT_WINDOW_MINUTES (15), ALERT_PAYMENT_SUCCESS_MIN_PERCENT (60),
 * ALERT_PAYMENT_MIN_ATTEMPTS (10), ALERT_OUTBOX_LAG_SECONDS (300), ALERT_DEAD_LETTERS (1), ALERT_SLA_BREACHES_PER_ZONE (5).
 */
export const alertThresholds = (): AlertThresholds => {
  const d = defaultAlertThresholds
  return {
    windowMs: positive("ALERT_WINDOW_MINUTES", d.windowMs / 60_000) * 60_000,
    paymentMinSuccessBps: Math.min(100, positive("ALERT_PAYMENT_SUCCESS_MIN_PERCENT", d.paymentMinSuccessBps / 100)) * 100,
    paymentMinAttempts: positive("ALERT_PAYMENT_MIN_ATTEMPTS", d.paymentMinAttempts),
    outboxMaxLagMs: positive("ALERT_OUTBOX_LAG_SECONDS", d.outboxMaxLagMs / 1000) * 1000,
    deadLetters: positive("ALERT_DEAD_LETTERS", d.deadLetters),
    slaBreachesPerZone: positive("ALERT_SLA_BREACHES_PER_ZONE", d.slaBreachesPerZone)
  }
}

/** B2C_RESULT_TIMEOUT_MINUTES (default 15): how long a B2C waits for its Result before we ask. */
const b2cResultTimeoutMs = () => {
  const minutes = Number(process.env["B2C_RESULT_TIMEOUT_MINUTES"] ?? "")
  return Number.isFinite(minutes) && minutes > 0 ? minutes * 60_000 : undefined
}

/** REFERRAL_POINTS (default 100): the loyalty points each side of a referral earns. */
const referralPoints = () => positive("REFERRAL_POINTS", DEFAULT_REFERRAL_POINTS)

/** UTC crontab. Friday 03:00 UTC is Friday 06:00 in Nairobi (UTC+3 all year). */
export const crontab = [
  "* * * * * orders__expire_unpaid ?max=1",
  "*/5 * * * * orders__complete_after_dispute_window ?max=1",
  "0 3 * * 5 payouts__select_weekly_batch ?max=3",
  "* * * * * payments__sweep_unrecorded_pushes ?max=1",
  "* * * * * fulfilment__check_sla ?max=1",
  "*/5 * * * * payouts__sweep_unanswered_b2c ?max=1",
  "*/5 * * * * carts__recover_abandoned ?max=1",
  "* * * * * alerts__evaluate ?max=1",
  // 18:00 UTC is 21:00 in Nairobi; a rerun (or a retry) sends nothing twice (daily_reports' key)
  "0 18 * * * reports__end_of_day ?max=3"
].join("\n")
