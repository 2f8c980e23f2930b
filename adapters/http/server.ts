/** The HTTP server: the express app (REST API, back-office) on PORT. */
import type { Server } from "node:http"
import express from "express"
import type { PlatformRuntime } from "../platform.js"

export interface HttpOptions {
  readonly port: number
  readonly production: boolean
}

export const makeApp = (_runtime: PlatformRuntime, _options: HttpOptions): express.Express => {
  const app = express()
  app.disable("x-powered-by")
  app.get("/health", (_req, res) => {
    res.json({ status: "ok" })
  })
  return app
}

export const startHttp = (runtime: PlatformRuntime, options: HttpOptions): Promise<Server> =>
  new Promise((ok, fail) => {
    const server = makeApp(runtime, options).listen(options.port, () => ok(server))
    server.once("error", fail)
  })
