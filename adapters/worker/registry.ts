/**
 * Which handlers react to which outbox events. Add a handler here to subscribe it; its `name` is
 * part of its idempotency key, so never rename one that has run in production.
 */
import type { EventHandler } from "./handlers.js"
import type { PlatformServices } from "../platform.js"

export const handlers: ReadonlyArray<EventHandler<PlatformServices>> = []
