/**
 * The Channel port from the environment: WhatsApp replies over the Cloud API when WHATSAPP_TOKEN is
 * set, Instagram replies over the Send API when INSTAGRAM_TOKEN is set. A channel without
 * credentials keeps its replies in the conversation only (development: read them with
 * GET /api/v1/seller/conversations/:id), with a provider id of `dev:<reply id>`.
 */
import { HttpClient } from "@effect/platform"
import { Config, Effect, Layer, Option, Redacted } from "effect"
import { Channels } from "../application/ports/channel.js"
import type { ChannelName, ChannelRetryLater, ChannelUndeliverable, OutboundChatMessage } from "../application/ports/channel.js"
import { makeWhatsAppChannel } from "../adapters/whatsapp/channel.js"
import { DEFAULT_BASE_URL } from "../adapters/whatsapp/config.js"
import { InstagramSendConfig, makeInstagramChannel } from "../adapters/instagram/send.js"

type Send = (m: OutboundChatMessage) => Effect.Effect<{ readonly providerMessageId: string }, ChannelRetryLater | ChannelUndeliverable>

const devSend: Send = (m) =>
  Effect.as(Effect.logInfo("chat reply kept in the conversation (no channel credentials)", { channel: m.channel }), { providerMessageId: `dev:${m.dedupeKey}` })

export const ChannelsFromEnv: Layer.Layer<Channels, never, HttpClient.HttpClient> = Layer.effect(
  Channels,
  Effect.gen(function* () {
    const waToken = yield* Config.option(Config.nonEmptyString("WHATSAPP_TOKEN")).pipe(Effect.orElseSucceed(() => Option.none<string>()))
    const waBase = yield* Config.string("WHATSAPP_BASE_URL").pipe(
      Config.withDefault(DEFAULT_BASE_URL),
      Effect.orElseSucceed(() => DEFAULT_BASE_URL)
    )
    const igConfig = yield* Effect.option(InstagramSendConfig)
    const http = yield* HttpClient.HttpClient
    const provide = <A>(e: Effect.Effect<A, never, HttpClient.HttpClient>) => Effect.provideService(e, HttpClient.HttpClient, http)
    const whatsapp: Send = Option.isSome(waToken) ? yield* provide(makeWhatsAppChannel({ token: Redacted.make(waToken.value), baseUrl: waBase })) : devSend
    const instagram: Send = Option.isSome(igConfig) ? yield* provide(makeInstagramChannel(igConfig.value)) : devSend
    const by: { readonly [C in ChannelName]: Send } = { WHATSAPP: whatsapp, INSTAGRAM: instagram }
    return Channels.of({ send: (m) => by[m.channel](m) })
  })
)
