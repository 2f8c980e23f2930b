/**
 * What the chat tests share: the platform started against a fake WhatsApp Cloud API, a buyer's
 * signed inbound text (Meta's webhook, X-Hub-Signature-256), and the texts the platform sent a phone.
 */
import { createHmac, randomBytes } from "node:crypto"
import { expect } from "vitest"
import { startPlatform, WA_APP_SECRET } from "../fulfilment/support.js"
import type { Platform } from "../fulfilment/support.js"
import { inboundTextWebhook, startFakeWhatsApp } from "../fakes/whatsapp-server.js"
import type { FakeWhatsApp } from "../fakes/whatsapp-server.js"
import type { useTestDatabase } from "../support/test-database.js"

export interface WhatsAppChat {
  readonly api: Platform
  readonly wa: FakeWhatsApp
  /** A buyer's text from `from`, as Meta delivers it (signed); the webhook must answer 200. */
  readonly whatsapp: (from: string, text: string) => Promise<void>
  /** The texts the platform has sent `phone` so far, in order. */
  readonly textsTo: (phone: string) => Array<string>
  readonly close: () => Promise<void>
}

export const startWhatsAppChat = async (db: ReturnType<typeof useTestDatabase>): Promise<WhatsAppChat> => {
  const wa = await startFakeWhatsApp()
  const api = await startPlatform(db, { WHATSAPP_TOKEN: wa.token, WHATSAPP_PHONE_NUMBER_ID: wa.phoneNumberId, WHATSAPP_BASE_URL: wa.baseUrl })
  const sign = (raw: string) => `sha256=${createHmac("sha256", WA_APP_SECRET).update(raw).digest("hex")}`
  return {
    api,
    wa,
    whatsapp: async (from, text) => {
      const raw = inboundTextWebhook({ phoneNumberId: wa.phoneNumberId, from, text, wamid: `wamid.${randomBytes(12).toString("hex")}` })
      const res = await fetch(`${api.url}/api/v1/webhooks/whatsapp`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": sign(raw) },
        body: raw
      })
      expect(res.status).toBe(200)
    },
    textsTo: (phone) =>
      wa.requests.flatMap((r) => {
        const b = r.body as { type?: string; to?: string; text?: { body?: string } } | undefined
        return r.status === 200 && b?.type === "text" && b.to === phone && typeof b.text?.body === "string" ? [b.text.body] : []
      }),
    close: async () => {
      await api.close()
      await wa.close()
    }
  }
}
