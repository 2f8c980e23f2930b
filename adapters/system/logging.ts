/**
 * Every log line leaves through here: one JSON object a line, and redacted. A phone number (any
 * Kenyan form: 2547..., +2547..., 07..., 01...) or an identifier that embeds one (Daraja's
 * CheckoutRequestID ends with the payer's phone) never reaches the log, whichever logger wrote it:
 * our own `log`, Effect's (`effectLogger`, installed by the platform layer) or graphile-worker's
 * (`workerLogger`). Nor does a credential: an Authorization value (Bearer, Basic: an HttpClient
 * error's JSON carries its request's headers) or a secret JSON field (an OAuth access_token, Daraja's
 * Password and SecurityCredential, app secrets). Debug lines are dropped unless LOG_LEVEL=debug.
 */
import { Logger as WorkerLogger } from "graphile-worker"
import type { LogLevel as WorkerLogLevel } from "graphile-worker"
import { Logger } from "effect"

export type Level = "debug" | "info" | "warn" | "error"

const CHECKOUT_REQUEST_ID = /\bws_CO_[A-Za-z0-9_]+/g
/** Kenyan mobile numbers (07xx, 01xx) as people and Daraja write them, not inside a longer run of digits. */
const PHONE = /(?<![\dA-Za-z])(?:\+?254|0)[17]\d{8}(?!\d)/g

/** Credentials as an Authorization header carries them (an HttpClient error's JSON holds its request's headers): the schemes as our clients write them, a token of 8 characters or more. */
const AUTH_SCHEME = /\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/=-]{8,}/g
/** Secrets as JSON fields: Daraja's OAuth answer and its STK Password and B2C SecurityCredential, app secrets. */
const SECRET_FIELD = /("(?:access_token|password|securitycredential|client_secret|consumer_secret|app_secret|api_key|apikey)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi

/**
 * The URLs Safaricom posts to carry MPESA_CALLBACK_SECRET as a path segment, and B2C ones a per-request
 * token after it (adapters/daraja/b2c-callback-urls.ts): a request's log line names its path, and a
 * Daraja request's CallBackURL/ResultURL may appear in an error. Both segments are masked; a route
 * pattern's ":secret/:token" is left as it is.
 */
const CALLBACK_PATH = /(\/payments\/mpesa\/(?:callback|b2c\/(?:status\/)?(?:result|timeout))\/)(?!:)[^/\s"'?#\\]+(\/(?!:)[^/\s"'?#\\]+)?/g
const maskCallbackPath = (_match: string, prefix: string, token: string | undefined) => `${prefix}[redacted]${token === undefined ? "" : "/[redacted]"}`

export const redact = (text: string): string =>
  text
    .replace(CHECKOUT_REQUEST_ID, "ws_CO_[redacted]")
    .replace(PHONE, "[phone]")
    .replace(AUTH_SCHEME, "$1$2[redacted]")
    .replace(SECRET_FIELD, '$1"[redacted]"')
    .replace(CALLBACK_PATH, maskCallbackPath)

const RANK: Readonly<Record<Level, number>> = { debug: 0, info: 1, warn: 2, error: 3 }
/** LOG_LEVEL, read once: process.env is a call into the C++ side on every read (~1% of a poll's CPU). */
const minimum: number = (() => {
  const v = process.env["LOG_LEVEL"]
  return RANK[v === "debug" || v === "info" || v === "warn" || v === "error" ? v : "info"]
})()

/** Writes one redacted JSON line (or nothing, below LOG_LEVEL as it was when this module loaded). */
export const log = (level: Level, msg: string, fields: Record<string, unknown> = {}): void => {
  if (RANK[level] < minimum) return
  console.log(redact(JSON.stringify({ level, at: new Date().toISOString(), msg, ...fields })))
}

/** Effect's JSON logger, redacted (Effect drops debug lines by its own minimum level, Info by default). */
export const effectLogger = Logger.jsonLogger.pipe(Logger.map(redact), Logger.withConsoleLog)

/** Replaces Effect's default logger in a runtime. */
export const EffectLoggerLive = Logger.replace(Logger.defaultLogger, effectLogger)

/** An error a worker job fails with on purpose, to be retried later: routine, logged at debug. */
export interface RoutineRetry {
  readonly routine: true
}
export const isRoutineRetry = (e: unknown): e is RoutineRetry => typeof e === "object" && e !== null && (e as { routine?: unknown }).routine === true

const fromWorker: Readonly<Record<string, Level>> = { error: "error", warning: "warn", info: "info", debug: "debug" }

/** graphile-worker's logger: its lines through `log`; a job failing with a routine retry is a debug line, not an error. */
export const workerLogger = new WorkerLogger((scope) => (level: WorkerLogLevel, message: string, meta?: unknown) => {
  const failure = meta as { failure?: unknown; error?: unknown } | undefined
  const ours: Level = failure?.failure === true && isRoutineRetry(failure.error) ? "debug" : (fromWorker[level] ?? "info")
  log(ours, message, { source: "graphile-worker", ...scope })
})
