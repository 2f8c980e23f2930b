/**
 * The ports of fulfilment and money out, bound to their adapters: Postgres stores, the rider
 * dispatch (pool, plus the partner when configured), handover codes, webhook transport and the B2C
 * callback URLs. Needs the Database and an HttpClient (provided by platformLayer).
 */
import { Layer } from "effect"
import { B2CCallbackUrlsFromEnv } from "../webhooks/b2c-callback-urls.js"
import { WebhookTransportLive } from "../webhooks/transport.js"
import { DisbursementStoreLive } from "../postgres/disbursement-store.js"
import { ExceptionQueueLive, FulfilmentStoreLive, MessageStatusStoreLive, NotificationDirectoryLive } from "../postgres/fulfilment-store.js"
import { WebhookStoreLive } from "../postgres/webhook-store.js"
import { RiderDispatchFromEnv } from "./dispatch-from-env.js"
import { HandoverCodesFromEnv } from "./handover-codes.js"

export const fulfilmentServicesLayer = Layer.mergeAll(
  FulfilmentStoreLive,
  ExceptionQueueLive,
  NotificationDirectoryLive,
  MessageStatusStoreLive,
  WebhookStoreLive,
  DisbursementStoreLive,
  RiderDispatchFromEnv,
  HandoverCodesFromEnv,
  WebhookTransportLive,
  B2CCallbackUrlsFromEnv
)
