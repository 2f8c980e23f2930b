/**
 * The composition root: every port bound to its adapter, as one Layer. Processes (the API, the
 * worker, tests, benchmarks) build one runtime from it and run use cases through that runtime.
 */
import { Layer, ManagedRuntime } from "effect"
import { FetchHttpClient } from "@effect/platform"
import { CheckoutStoreLive } from "./postgres/checkout-store.js"
import { DatabaseFromPool } from "./postgres/database.js"
import type { Sql } from "./postgres/database.js"
import { OrderStoreLive } from "./postgres/order-store.js"
import { PayoutStoreLive } from "./postgres/payout-store.js"
import { OutboxLive, UnitOfWorkLive } from "./postgres/unit-of-work.js"
import { IdsLive } from "./system/ids.js"
import { AdminStoreLive } from "./postgres/admin-store.js"
import { rateLimiterLayerFromEnv } from "./redis/rate-limiter-from-env.js"
import { ScryptPasswordHasherLive } from "../backoffice/password.js"
import { apiServicesLayer } from "./http/api-services.js"
import { fulfilmentServicesLayer } from "./riders/fulfilment-services.js"

/** The persistence-backed ports over one pool. */
export const persistenceLayer = (pool: Sql) =>
  Layer.mergeAll(UnitOfWorkLive, OutboxLive, CheckoutStoreLive, OrderStoreLive, PayoutStoreLive, AdminStoreLive).pipe(Layer.provideMerge(DatabaseFromPool(pool)), Layer.provideMerge(IdsLive))

/** Everything a process needs. Add new port bindings here. */
export const platformLayer = (pool: Sql) =>
  // The REST API's ports (stores, PaymentGateway, Notifier) over the same pool and HttpClient.
  // Fulfilment and money out (riders, notifications, merchant webhooks, B2C payouts and refunds) likewise.
  Layer.mergeAll(apiServicesLayer, fulfilmentServicesLayer).pipe(Layer.provideMerge(Layer.mergeAll(persistenceLayer(pool), FetchHttpClient.layer, rateLimiterLayerFromEnv, ScryptPasswordHasherLive)))

export type PlatformServices = Layer.Layer.Success<ReturnType<typeof platformLayer>>
export type PlatformRuntime = ManagedRuntime.ManagedRuntime<PlatformServices, Layer.Layer.Error<ReturnType<typeof platformLayer>>>

export const makePlatformRuntime = (pool: Sql): PlatformRuntime => ManagedRuntime.make(platformLayer(pool))
