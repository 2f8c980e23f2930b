/**
 * The composition root: every port bound to its adapter, as one Layer. Processes (the API, the
 * worker, tests, benchmarks) build one runtime from it and run use cases through that runtime.
 */
import { Layer } from "effect"
import { FetchHttpClient } from "@effect/platform"
import { CheckoutStoreLive } from "./postgres/checkout-store.js"
import { DatabaseFromPool } from "./postgres/database.js"
import type { Sql } from "./postgres/database.js"
import { OrderStoreLive } from "./postgres/order-store.js"
import { OutboxLive, UnitOfWorkLive } from "./postgres/unit-of-work.js"
import { IdsLive } from "./system/ids.js"

/** The persistence-backed ports over one pool. */
export const persistenceLayer = (pool: Sql) => {
  const db = DatabaseFromPool(pool)
  return Layer.mergeAll(UnitOfWorkLive, OutboxLive, CheckoutStoreLive, OrderStoreLive).pipe(Layer.provideMerge(db), Layer.provideMerge(IdsLive))
}

export const httpClientLayer = FetchHttpClient.layer
