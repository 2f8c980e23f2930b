/** The HTTP server with the back-office mounted at /admin: what `npm start --role=api` serves. */
import type { Server } from "node:http"
import { mountBackoffice } from "../backoffice/mount.js"
import { startHttp } from "../adapters/http/server.js"
import type { HttpOptions } from "../adapters/http/server.js"
import type { PlatformRuntime } from "./platform.js"

export const startServer = (runtime: PlatformRuntime, options: HttpOptions): Promise<Server> =>
  startHttp(runtime, {
    ...options,
    mounts: [...(options.mounts ?? []), (app) => mountBackoffice(app, runtime, { production: options.production, sessionSecret: process.env["ADMIN_SESSION_SECRET"] })]
  })
