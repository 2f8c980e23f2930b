/**
 * Runs before each test file (vitest setupFiles): its own rate-limit namespace in Redis, so logins
 * and OTP requests another file makes from the same 127.0.0.1 (or with the same admin email) never
 * spend this file's budget. One namespace per run was not enough: the back-office files together
 * log in more than the per-address limit allows in a window, and which file met the 429 depended on
 * timing.
 */
import { randomUUID } from "node:crypto"

process.env["RATE_LIMIT_NAMESPACE"] = `${process.env["RATE_LIMIT_NAMESPACE"] ?? "test"}-${randomUUID().slice(0, 8)}`
