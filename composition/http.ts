/** The HTTP server with the back-office mounted at /admin: what `npm start --role=api` serves. */
import type { Server } from "node:http"
import { Effect } from "effect"
import { mountBackoffice } from "../backoffice/mount.js"
import { AdminSessionSecretConfig } from "../backoffice/session-secret.js"
import { ADMIN_MAX_BODY_BYTES, bodyLimit } from "../adapters/http/body-limit.js"
import { clientAddressKey } from "../adapters/http/client-address.js"
import { problem } from "../adapters/http/problems.js"
import { sendProblem } from "../adapters/http/run.js"
import { startHttp } from "../adapters/http/server.js"
import type { HttpOptions } from "../adapters/http/server.js"
import type { PlatformRuntime } from "./platform.js"
import { metricsEndpoint, mountMetrics } from "./metrics.js"
import type { MetricsEndpoint } from "./metrics.js"

/** `metrics`: the process's /metrics (made here when not given): served on this port, and told of every request. */
export const startServer = async (runtime: PlatformRuntime, options: HttpOptions & { readonly metrics?: MetricsEndpoint }): Promise<Server> => {
  const metrics = options.metrics ?? (await metricsEndpoint(runtime, { production: options.production }))
  // read once, by the back-office's own Config (a weak or empty one stops the start, naming ADMIN_SESSION_SECRET)
  const sessionSecret = await Effect.runPromise(AdminSessionSecretConfig)
  const publicBaseUrl = options.publicBaseUrl ?? process.env["PUBLIC_BASE_URL"]
  const publicOrigins = publicBaseUrl ? [new URL(publicBaseUrl).origin] : []
  const { metrics: _, ...httpOptions } = options
  return startHttp(runtime, {
    ...httpOptions,
    observeRequest: metrics.prometheus.observeRequest,
    mounts: [
      ...(options.mounts ?? []),
      mountMetrics(metrics),
      (app) =>
        mountBackoffice(app, runtime, {
          production: options.production,
          sessionSecret,
          // /admin bodies need a Content-Length and are bounded before formidable reads them
          bodyGuard: bodyLimit(ADMIN_MAX_BODY_BYTES, { requireLength: true }),
          maxBodyBytes: ADMIN_MAX_BODY_BYTES,
          clientAddress: (req) => clientAddressKey(req.ip),
          refuse: (res, status, code, detail) => sendProblem(res, problem(status, code, detail)),
          publicOrigins
        })
    ]
  })
}
