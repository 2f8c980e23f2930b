/**
 * WhatsApp Cloud API settings, read with Effect Config; secrets stay Redacted (never logged).
 * When WHATSAPP_TOKEN is set every other variable is required too (a half-configured WhatsApp
 * fails startup rather than failing each send).
 */
import { Config } from "effect"
import { requiredSecret } from "../system/secrets.js"

export const DEFAULT_BASE_URL = "https://graph.facebook.com/v21.0"

export const WhatsAppConfig = Config.all({
  /** System-user access token, sent as Bearer. */
  token: Config.redacted("WHATSAPP_TOKEN"),
  /** The sending number's id (not the number itself). */
  phoneNumberId: Config.nonEmptyString("WHATSAPP_PHONE_NUMBER_ID"),
  /** Signs webhook POSTs (X-Hub-Signature-256). */
  appSecret: requiredSecret("WHATSAPP_APP_SECRET"),
  /** What Meta echoes when it verifies the webhook subscription. */
  verifyToken: requiredSecret("WHATSAPP_VERIFY_TOKEN"),
  /** Graph API root including the version; tests point it at a fake server. */
  baseUrl: Config.string("WHATSAPP_BASE_URL").pipe(Config.withDefault(DEFAULT_BASE_URL))
})
export type WhatsAppConfig = Config.Config.Success<typeof WhatsAppConfig>
