/**
 * The PaymentGateway chosen by MPESA_ENV: the in-process simulator (default) or Daraja over HTTP
 * (sandbox/production). Needs an HttpClient: the composition root gives adapters/http-client/node-client.ts, and a
 * Database the simulator keeps its memory in (its own instance: see simulator.ts).
 */
import type { HttpClient } from "@effect/platform"
import { Effect, Layer } from "effect"
import type { ConfigError } from "effect"
import type { PaymentGateway } from "../../application/ports/payment-gateway.js"
import type { Database } from "../postgres/database.js"
import { DarajaGatewayLive } from "./client.js"
import { loadDarajaConfig } from "./config.js"
import { MpesaSimulatorLive } from "./simulator.js"

export const PaymentGatewayFromEnv: Layer.Layer<PaymentGateway, ConfigError.ConfigError, HttpClient.HttpClient | Database> = Layer.unwrapEffect(
  Effect.map(loadDarajaConfig, (config) => (config.env === "simulator" ? MpesaSimulatorLive({ delayMs: config.simulatorDelayMs }) : DarajaGatewayLive(config)))
)
