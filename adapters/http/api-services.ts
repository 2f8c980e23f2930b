/**
 * The ports the REST API's use cases need beyond persistence, bound to their adapters: the API's
 * Postgres stores, the PaymentGateway chosen by MPESA_ENV (simulator by default), and the Notifier
 * (WhatsApp when WHATSAPP_TOKEN is set, else the Postgres-backed dev inbox shared by all processes).
 * Needs the Database and an HttpClient (provided by platformLayer).
 */
import { Layer } from "effect"
import { PaymentGatewayFromEnv } from "../daraja/layer.js"
import { notifierLayerFromEnv } from "../notifications/notifier-from-env.js"
import { AuthStoreLive } from "../postgres/auth-store.js"
import { BuyerOrderStoreLive } from "../postgres/buyer-order-store.js"
import { CartStoreLive } from "../postgres/cart-store.js"
import { CatalogueReaderLive } from "../postgres/catalogue-store.js"
import { DevInboxPostgresLive, SentMessageStorePostgresLive } from "../postgres/notification-store.js"
import { PaymentStoreLive } from "../postgres/payment-store.js"
import { SellerStoreLive } from "../postgres/seller-store.js"

export const apiStoresLayer = Layer.mergeAll(AuthStoreLive, CatalogueReaderLive, CartStoreLive, PaymentStoreLive, BuyerOrderStoreLive, SellerStoreLive)

/** Notifier from the environment; the dev inbox (reader) is always there for GET /dev/messages. */
export const notificationsLayer = Layer.merge(notifierLayerFromEnv(DevInboxPostgresLive), DevInboxPostgresLive).pipe(Layer.provide(SentMessageStorePostgresLive))

export const apiServicesLayer = Layer.mergeAll(apiStoresLayer, notificationsLayer, PaymentGatewayFromEnv)
