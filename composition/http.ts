/** The HTTP server with the back-office mounted at /admin: what `npm start --role=api` serves. */
import type { Server } from "node:http"
import { mountBackoffice } from "../backoffice/mount.js"
import { ADMIN_MAX_BODY_BYTES, bodyLimit } from "../adapters/http/body-limit.js"
import { clientAddressKey } from "../adapters/http/client-address.js"
import { startHttp } from "../adapters/http/server.js"
import type { HttpOptions } from "../adapters/http/server.js"
import type { PlatformRuntime } from "./platform.js"

export const startServer = (runtime: PlatformRuntime, options: HttpOptions): Promise<Server> =>
  startHttp(runtime, {
    ...options,
    mounts: [...(options.mounts ?? []), (app) =>
        mountBackoffice(app, runtime, {
          production: options.production,
          sessionSecret: process.env["ADMIN_SESSION_SECRET"],
          // /admin bodies need a Content-Length and are bounded before formidable reads them
          bodyGuard: bodyLimit(ADMIN_MAX_BODY_BYTES, { requireLength: true }),
          maxBodyBytes: ADMIN_MAX_BODY_BYTES,
          clientAddress: (req) => clientAddressKey(req.ip)
        })]
  })
