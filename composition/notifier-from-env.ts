/**
 * Which Notifier to run: WhatsApp when WHATSAPP_TOKEN is set (then every WHATSAPP_* setting is
 * required), else the dev inbox (`fallback`, the in-memory one unless another is given).
 */
import type { HttpClient } from "@effect/platform"
import { Config, Effect, Layer, Option } from "effect"
import type { ConfigError } from "effect/ConfigError"
import type { Notifier } from "../application/ports/notifier.js"
import { WhatsAppNotifierLive } from "../adapters/whatsapp/notifier.js"
import { DevInboxMemoryLive } from "../adapters/notifications/dev-inbox.js"
import type { SentMessageStore } from "../application/ports/sent-messages.js"

export const notifierLayerFromEnv = <E = never, R = never>(
  fallback: Layer.Layer<Notifier, E, R> = DevInboxMemoryLive
): Layer.Layer<Notifier, ConfigError | E, R | HttpClient.HttpClient | SentMessageStore> =>
  Layer.unwrapEffect(
    Effect.map(
      Config.option(Config.nonEmptyString("WHATSAPP_TOKEN")),
      (token): Layer.Layer<Notifier, ConfigError | E, R | HttpClient.HttpClient | SentMessageStore> =>
        Option.isSome(token)
          ? WhatsAppNotifierLive.pipe(Layer.tap(() => Effect.logInfo("Notifier: WhatsApp Cloud API")))
          : fallback.pipe(Layer.tap(() => Effect.logInfo("Notifier: dev inbox (WHATSAPP_TOKEN unset)")))
    )
  )
