/**
 * Order notifications from the outbox: buyer and seller are told by WhatsApp (or the dev inbox) at
 * each step. One handler per party, each sending at most ONE message per event, so a retry after a
 * failure never re-sends a message that already went (its dedupe key is `<event id>:<party>`, and
 * the channel records it in the handler's transaction). RetryLater fails the handler (the outbox
 * retries with backoff); Undeliverable opens an exception instead of retrying forever.
 */
import { Context, Effect, Option, Schema } from "effect"
import { OrderId } from "../../domain/ids.js"
import type { Money } from "../../domain/money.js"
import { format } from "../../domain/money.js"
import { paramText } from "../../domain/daily-report.js"
import type { MessageTemplate } from "../ports/notifier.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"
import { HandoverCodes } from "../fulfilment/fulfilment.port.js"
import { pipelined } from "../ports/unit-of-work.js"
import { deliverOrRaise } from "./deliver.js"

export interface OrderFacts {
  readonly orderId: string
  readonly buyerPhone: string
  readonly sellerPhone: string
  readonly storeName: string
  readonly total: Money
  /** What the buyer paid for this order (what a refund returns). */
  readonly buyerPaid: Money
  /** The latest delivery's carrier, once dispatched. */
  readonly rider: { readonly name: string; readonly phone: string } | undefined
}

export class NotificationDirectory extends Context.Tag("amana/NotificationDirectory")<
  NotificationDirectory,
  {
    /** The facts of the orders, in one read (those found). */
    readonly ordersFacts: (orderIds: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, OrderFacts>, StoreUnavailable>
  }
>() {}

export type Party = "buyer" | "seller"

export const NOTIFIED_EVENTS = [
  "ORDER_CREATED",
  "ORDER_PAID",
  "ORDER_PAYMENT_FAILED",
  "ORDER_ACCEPTED",
  "ORDER_DISPATCHED",
  "ORDER_DELIVERED",
  "ORDER_COMPLETED",
  "ORDER_CANCELLED",
  "ORDER_REFUNDED"
] as const

/**
 * The events each party is told of (messageFor answers something): each party's handler subscribes
 * to its own list, so an event that tells a party nothing (the seller of ORDER_CREATED) costs no
 * handler run, no lookup and no processed_events row.
 */
export const NOTIFIED_FOR: Readonly<Record<Party, ReadonlyArray<(typeof NOTIFIED_EVENTS)[number]>>> = {
  buyer: NOTIFIED_EVENTS,
  seller: ["ORDER_PAID", "ORDER_DISPATCHED", "ORDER_DELIVERED", "ORDER_COMPLETED", "ORDER_CANCELLED", "ORDER_REFUNDED"]
}

export interface Message {
  readonly template: MessageTemplate
  readonly params: ReadonlyArray<string>
}

/** What each party is told for each event (undefined: nothing). Pure. */
export const messageFor = (
  party: Party,
  eventType: string,
  f: OrderFacts,
  extra: { readonly reason?: string | undefined; readonly handoverCode?: string | undefined }
): Message | undefined => {
  const n = f.orderId
  // names people typed go into template parameters on one line (WhatsApp refuses new lines, tabs, 5+ spaces)
  const rider = { name: paramText(f.rider?.name ?? "", "your rider"), phone: f.rider?.phone ?? "-" }
  const storeName = paramText(f.storeName, "The store")
  const reason = (extra.reason ?? "").replace(/\s+/g, " ").trim() || "no reason given"
  switch (eventType) {
    case "ORDER_CREATED":
      return party === "buyer" ? { template: "order_placed", params: [n, format(f.total)] } : undefined
    case "ORDER_PAID":
      return { template: "order_paid", params: [n] }
    case "ORDER_PAYMENT_FAILED":
      return party === "buyer" ? { template: "payment_failed", params: [n, reason] } : undefined
    case "ORDER_ACCEPTED":
      return party === "buyer" ? { template: "order_accepted", params: [n, storeName] } : undefined
    case "ORDER_DISPATCHED":
      return party === "buyer"
        ? extra.handoverCode === undefined
          ? undefined
          : { template: "order_dispatched_with_code", params: [n, rider.name, rider.phone, extra.handoverCode] }
        : { template: "order_dispatched", params: [n, rider.name, rider.phone] }
    case "ORDER_DELIVERED":
      return { template: "order_delivered", params: [n] }
    case "ORDER_COMPLETED":
      return { template: "order_completed", params: [n] }
    case "ORDER_CANCELLED":
      return { template: "order_cancelled", params: [n, reason] }
    case "ORDER_REFUNDED":
      return { template: "order_refunded", params: [n, format(f.buyerPaid)] }
    default:
      return undefined
  }
}

type OrderEvent = { readonly id: string; readonly type: string; readonly payload: Readonly<Record<string, unknown>> }

/** One party's message for the event, from facts read once (undefined: nothing to tell). */
const messageTo = (party: Party, event: OrderEvent, orderId: OrderId, facts: OrderFacts) =>
  Effect.gen(function* () {
    if (!(NOTIFIED_FOR[party] as ReadonlyArray<string>).includes(event.type)) return undefined
    const reason = typeof event.payload["reason"] === "string" ? event.payload["reason"] : undefined
    const handoverCode = event.type === "ORDER_DISPATCHED" && party === "buyer" ? yield* Effect.flatMap(HandoverCodes, (c) => c.codeFor(orderId)) : undefined
    const message = messageFor(party, event.type, facts, { reason, handoverCode })
    if (message === undefined) return undefined
    const to = party === "buyer" ? facts.buyerPhone : facts.sellerPhone
    return deliverOrRaise(
      { to, template: message.template, params: message.params, dedupeKey: `${event.id}:${party}` },
      { entity: "order", entityId: orderId, party, event }
    )
  })

/**
 * Buyer and seller, each told what the event means for them: the order's facts read once, the two
 * messages sent together. Each message is sent once per dedupe key (`<event id>:<party>`) by the
 * channel itself (the dev inbox's unique key; WhatsApp's sent-message record, asked before sending),
 * and each is recorded as it goes, outside any transaction: when one party's send fails, the retry
 * finds the other's already sent and sends only the missing one. So the handler runs in its own
 * transactions (composition/event-handlers.ts) and holds no database transaction across a provider's
 * HTTP call.
 */
export const notifyOrderParties = (event: OrderEvent) => Effect.flatMap(notifyOrderPartiesOf([event]), (tell) => tell(event))

/**
 * notifyOrderParties for a job's events (adapters/postgres/event-handler.ts, `prepare`): the facts
 * of all their orders read in one statement, then each event told with its order's facts. An order
 * not found tells nobody.
 */
export const notifyOrderPartiesOf = (events: ReadonlyArray<OrderEvent>) =>
  Effect.gen(function* () {
    const orderIds = [...new Set(events.flatMap((e) => Option.toArray(Option.fromNullable(orderOf(e)))))]
    const facts = orderIds.length === 0 ? new Map<string, OrderFacts>() : yield* Effect.flatMap(NotificationDirectory, (d) => d.ordersFacts(orderIds))
    return (event: OrderEvent) =>
      Effect.gen(function* () {
        const orderId = orderOf(event)
        const known = orderId === undefined ? undefined : facts.get(orderId)
        if (orderId !== undefined && known !== undefined) yield* tellParties(event, orderId, known)
      })
  })

const orderOf = (event: OrderEvent) => Option.getOrUndefined(Schema.decodeUnknownOption(OrderId)(event.payload["orderId"]))

const tellParties = (event: OrderEvent, orderId: OrderId, facts: OrderFacts) =>
  Effect.gen(function* () {
    const sends: Array<ReturnType<typeof deliverOrRaise>> = []
    for (const party of PARTIES) {
      const send = yield* messageTo(party, event, orderId, facts)
      if (send !== undefined) sends.push(send)
    }
    yield* pipelined(sends)
  })

const PARTIES: ReadonlyArray<Party> = ["buyer", "seller"]
