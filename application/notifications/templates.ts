/**
 * The message templates: one place for their wording and parameter order. The WhatsApp adapter sends
 * the template name with the parameters in this order; the dev inbox renders `body` locally. The
 * bodies are written in Meta's placeholder syntax ({{1}}, {{2}}, ...) so they can be registered in
 * WhatsApp Manager verbatim (name = the key, language "en", category UTILITY; login_code as
 * AUTHENTICATION) and the two channels cannot drift apart.
 */
import { Either } from "effect"
import type { MessageTemplate, OutboundMessage } from "../ports/notifier.js"
import { NotifierUndeliverable } from "../ports/notifier.js"
import { isNormalised } from "../../domain/phone.js"

export interface TemplateDefinition {
  /** What each {{n}} is, in order: documentation, and the arity check. */
  readonly params: ReadonlyArray<string>
  readonly body: string
}

export const TEMPLATE_LANGUAGE = "en"

export const templates: { readonly [T in MessageTemplate]: TemplateDefinition } = {
  login_code: {
    params: ["code"],
    body: "Your Amana login code is {{1}}. It expires in 10 minutes."
  },
  // Sent to a logged-in user's own phone to confirm a sensitive change (application/auth/step-up.ts).
  step_up_code: {
    params: ["code"],
    body: "Your Amana code to change where your store is paid is {{1}}. It expires in 10 minutes. If you did not ask for it, do not share it and contact Amana."
  },
  step_up_owner_code: {
    params: ["code"],
    body: "Your Amana code to make someone an owner of your store is {{1}}. It expires in 10 minutes. If you did not ask for it, do not share it and contact Amana."
  },
  order_placed: {
    params: ["order number", "total"],
    body: "Order {{1}} for {{2}} has been placed. It is waiting for M-Pesa payment."
  },
  order_paid: {
    params: ["order number"],
    body: "Order {{1}} is paid. Amana holds the payment until the order is delivered."
  },
  order_accepted: {
    params: ["order number", "store name"],
    body: "{{2}} has accepted order {{1}} and is preparing it."
  },
  order_dispatched: {
    params: ["order number", "rider name", "rider phone"],
    body: "Order {{1}} is on its way with rider {{2}} ({{3}})."
  },
  // The buyer's copy: the handover code is the proof of delivery, given to the rider only on receipt.
  order_dispatched_with_code: {
    params: ["order number", "rider name", "rider phone", "handover code"],
    body: "Order {{1}} is on its way with rider {{2}} ({{3}}). Your handover code is {{4}}: give it to the rider only once you have your order."
  },
  order_delivered: {
    params: ["order number"],
    body: "Order {{1}} has been delivered. Confirm you received it, or open a dispute, in Amana."
  },
  order_completed: {
    params: ["order number"],
    body: "Order {{1}} is complete. Thank you for trading on Amana."
  },
  order_refunded: {
    params: ["order number", "amount"],
    body: "Order {{1}} has been refunded: {{2}} is on its way back to the buyer's M-Pesa."
  },
  order_cancelled: {
    params: ["order number", "reason"],
    body: "Order {{1}} has been cancelled: {{2}}. Any payment is refunded in full."
  },
  // To the rider when a job is assigned: where to collect and where to deliver (the recipient's phone
  // goes only to the rider the job belongs to, and only while it does).
  rider_job: {
    params: ["order number", "pickup", "seller phone", "drop-off", "recipient phone"],
    body: "New Amana job for order {{1}}. Pick up at {{2}} (seller {{3}}). Deliver to {{4}} (recipient {{5}}). Open your jobs in Amana to start."
  },
  // To a person an owner added to the store's team, or whose role there changed (POST /api/v1/seller/staff).
  store_staff_added: {
    params: ["store name", "role"],
    body: "Your role in {{1}} on Amana is now {{2}}. Log in to Amana with this phone number to manage the store's products, stock and orders."
  },
  // Abandoned carts (application/cart-recovery): templates, since the buyer's last message may be older
  // than WhatsApp's 24-hour window; category MARKETING, and every one says how to stop them.
  cart_reminder: {
    params: ["what is in the cart"],
    body: "You left {{1}} in your Amana cart. Open Amana to check out when you are ready. Reply STOP to get no more reminders."
  },
  cart_discount_code: {
    params: ["what is in the cart", "discount", "code", "valid until"],
    body: "Still thinking about {{1}} in your Amana cart? Use code {{3}} at checkout for {{2}} off. It works once and until {{4}}. Reply STOP to get no more reminders."
  },
  cart_last_call: {
    params: ["what is in the cart"],
    body: "Last call: {{1}} is still in your Amana cart, and this is our last reminder about it. Reply STOP to get no more reminders."
  },
  // To the store's owner when the store reaches a milestone (first sale, 10 sales, ...).
  store_milestone: {
    params: ["store name", "milestone"],
    body: "Hongera! {{1}} has reached a milestone on Amana: {{2}}. The badge now shows on your store."
  },
  // At 21:00 Nairobi: to each store's owner whose store had activity that day, and to the platform admins
  // with a WhatsApp number, the platform's (application/reports/end-of-day.ts).
  daily_report: {
    params: ["store name (or the platform)", "day", "orders paid of placed", "revenue", "deliveries late", "issues open"],
    body: "Amana end of day for {{1}}, {{2}}: {{3}}, revenue {{4}}, {{5}}, {{6}}."
  },
  // To the admins on call when a platform alert fires (application/alerts): what fired, and when.
  ops_alert: {
    params: ["what fired", "when"],
    body: "Amana alert ({{2}}): {{1}}. It is open in the back-office exception queue; resolve it there with a note once handled."
  },
  payment_failed: {
    params: ["order number", "reason"],
    body: "Payment for order {{1}} did not go through ({{2}}). You can try again within 12 hours of checkout."
  }
}

/** The text a person reads: the body with {{n}} replaced by params[n - 1]. */
export const renderText = (template: MessageTemplate, params: ReadonlyArray<string>): string =>
  templates[template].body.replace(/\{\{(\d+)\}\}/g, (_m, n: string) => params[Number(n) - 1] ?? "")

// WhatsApp refuses template parameters with new lines, tabs or more than four spaces in a row (132018).
const badParam = /[\n\t]| {5,}/

/**
 * Checks every channel applies before sending, so a bug is reported the same way whatever the
 * channel: the recipient is normalised (2547XXXXXXXX) and the parameters fit the template.
 * Returns the rendered text.
 */
export const validateOutbound = (message: OutboundMessage): Either.Either<string, NotifierUndeliverable> => {
  const definition = templates[message.template]
  const bug = (detail: string) => Either.left(new NotifierUndeliverable({ detail: `bug: ${detail}` }))
  if (definition === undefined) return bug(`unknown template "${message.template}"`)
  if (!isNormalised(message.to)) return bug(`recipient is not a normalised Kenyan number (2547XXXXXXXX/2541XXXXXXXX)`)
  if (message.params.length !== definition.params.length) {
    return bug(`template ${message.template} takes ${definition.params.length} parameters (${definition.params.join(", ")}), got ${message.params.length}`)
  }
  const index = message.params.findIndex((p) => p.trim() === "" || badParam.test(p))
  if (index >= 0) return bug(`template ${message.template} parameter ${index + 1} (${definition.params[index]}) is empty or has a new line, tab or 5+ spaces`)
  if (message.dedupeKey.trim() === "") return bug("dedupeKey is empty")
  return Either.right(renderText(message.template, message.params))
}
