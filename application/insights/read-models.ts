/**
 * The read models of issue 15, kept from the outbox: each event becomes at most one fact
 * (domain/insights.ts), whose contributions are added to the tables in one write that carries the
 * handler's claim on the event (a replay finds the claim and adds nothing; no transaction needed). An event written before the facts were on it
 * (issue 15) is completed from its order's immutable snapshot, read by id. The rebuild empties the
 * tables and folds every event again with the same code, in one transaction.
 */
import { Effect, Option, Schema } from "effect"
import { contributions } from "../../domain/insights.js"
import type { InsightFact, PaidLine } from "../../domain/insights.js"
import { Currency, Money } from "../../domain/money.js"
import type { HandlerClaim } from "../ports/handler-claim.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { InsightStore } from "./insights.port.js"
import type { OrderFacts, StoredInsightEvent } from "./insights.port.js"

/** The events the read models are made of. */
export const INSIGHT_EVENTS: ReadonlyArray<string> = [
  "ORDER_CREATED",
  "ORDER_PAID",
  "ORDER_PAYMENT_FAILED",
  "ORDER_CANCELLED_BY_USER",
  "ORDER_CANCELLED",
  "ORDER_REFUNDED",
  "ORDER_DISPATCHED",
  "ORDER_DELIVERED",
  "ORDER_SLA_BREACHED",
  "EXCEPTION_OPENED",
  "EXCEPTION_RESOLVED"
]

type Payload = Readonly<Record<string, unknown>>
const str = (p: Payload, k: string): string | undefined => (typeof p[k] === "string" && p[k] !== "" ? p[k] : undefined)
const int = (p: Payload, k: string): number | undefined => (Number.isSafeInteger(p[k]) ? (p[k] as number) : undefined)
const money = (p: Payload, k: string) => Option.getOrUndefined(Schema.decodeUnknownOption(Money)(p[k]))
const PaidLines = Schema.Array(Schema.Struct({ productId: Schema.String, quantity: Schema.Int, amount: Schema.Int }))
const lines = (p: Payload): ReadonlyArray<PaidLine> | undefined => Option.getOrUndefined(Schema.decodeUnknownOption(PaidLines)(p["lines"]))
const actorKind = (p: Payload) => (typeof p["actor"] === "object" && p["actor"] !== null ? (p["actor"] as Payload)["kind"] : undefined)
const actorId = (p: Payload) => (typeof p["actor"] === "object" && p["actor"] !== null ? (p["actor"] as Payload)["id"] : undefined)
const isCurrency = Schema.is(Currency)

/** The order's facts from the payload when it has them all, else from the order itself (an older event). */
const orderFacts = (p: Payload, need: ReadonlyArray<keyof OrderFacts>) =>
  Effect.gen(function* () {
    const total = money(p, "total")
    const fee = money(p, "shippingFee")
    // what the buyer paid for the order (its share of the charge): `charged` on PAID, `refund` on CANCELLED/REFUNDED
    const buyerPays = money(p, "charged") ?? money(p, "refund")
    const fromPayload: Partial<Record<keyof OrderFacts, unknown>> = {
      storeId: str(p, "storeId"),
      checkoutId: str(p, "checkoutId"),
      checkedOutAt: int(p, "checkedOutAt"),
      currency: total?.currency,
      total: total?.amount,
      buyerPays: buyerPays?.amount,
      zoneId: str(p, "zoneId"),
      shippingFee: fee?.amount,
      lines: lines(p)
    }
    if (need.every((k) => fromPayload[k] !== undefined)) return Option.some(fromPayload as OrderFacts)
    const orderId = str(p, "orderId")
    if (orderId === undefined) return Option.none<OrderFacts>()
    return yield* Effect.flatMap(InsightStore, (s) => s.orderFacts(orderId))
  })

/** The fact an event stands for (none: it says nothing the read models count). */
export const factOf = (event: StoredInsightEvent) =>
  Effect.gen(function* () {
    const p = event.payload
    const base = { eventId: event.id, at: int(p, "at") ?? event.occurredAt }
    const withOrder = <F>(need: ReadonlyArray<keyof OrderFacts>, make: (o: OrderFacts) => F) => Effect.map(orderFacts(p, need), Option.map(make))
    switch (event.type) {
      case "ORDER_CREATED":
        return yield* withOrder(["storeId", "currency", "zoneId", "shippingFee"], (o): InsightFact => ({
          ...base,
          kind: "ORDER_PLACED",
          storeId: o.storeId,
          currency: o.currency,
          zoneId: o.zoneId,
          shippingFee: o.shippingFee
        }))
      case "ORDER_PAID":
        // GMV is what buyers were charged (the ledger's M-Pesa clearing), not the order's total in cents:
        // a refund gives back exactly that, so a refunded order nets to zero
        return yield* withOrder(["storeId", "checkoutId", "checkedOutAt", "currency", "buyerPays", "zoneId", "lines"], (o): InsightFact => ({
          ...base,
          kind: "ORDER_PAID",
          storeId: o.storeId,
          checkoutId: o.checkoutId,
          checkedOutAt: o.checkedOutAt,
          currency: o.currency,
          total: o.buyerPays,
          byMpesa: actorId(p) !== "platform-funding",
          zoneId: o.zoneId,
          lines: o.lines
        }))
      case "ORDER_PAYMENT_FAILED":
        return yield* withOrder(["storeId"], (o): InsightFact => ({ ...base, kind: "PAYMENT_FAILED", storeId: o.storeId }))
      case "ORDER_CANCELLED_BY_USER":
        // declined on the phone (M-Pesa 1032, the SYSTEM's move) is a failed payment; the buyer cancelling the checkout is not
        if (actorKind(p) !== "SYSTEM") return Option.none<InsightFact>()
        return yield* withOrder(["storeId"], (o): InsightFact => ({ ...base, kind: "PAYMENT_FAILED", storeId: o.storeId }))
      case "ORDER_CANCELLED":
      case "ORDER_REFUNDED":
        return yield* withOrder(["storeId", "buyerPays", "currency"], (o): InsightFact => ({
          ...base,
          kind: "REFUNDED",
          storeId: o.storeId,
          currency: o.currency,
          amount: o.buyerPays
        }))
      case "ORDER_DISPATCHED":
      case "ORDER_DELIVERED": {
        const met = int(p, "slaMet") ?? 0
        if (met <= 0) return Option.none<InsightFact>()
        return yield* withOrder(["storeId"], (o): InsightFact => ({ ...base, kind: "SLA_MET", storeId: o.storeId, timers: met }))
      }
      case "ORDER_SLA_BREACHED":
        return yield* withOrder(["storeId"], (o): InsightFact => ({ ...base, kind: "SLA_BREACHED", storeId: o.storeId }))
      case "EXCEPTION_OPENED":
      case "EXCEPTION_RESOLVED": {
        const kind = event.type === "EXCEPTION_OPENED" ? ("EXCEPTION_OPENED" as const) : ("EXCEPTION_CLOSED" as const)
        if ("storeId" in p) return Option.some<InsightFact>({ ...base, kind, storeId: str(p, "storeId") ?? null })
        const exceptionId = str(p, "exceptionId")
        if (exceptionId === undefined) return Option.none<InsightFact>()
        const storeId = yield* Effect.flatMap(InsightStore, (s) => s.exceptionStore(exceptionId))
        return Option.some<InsightFact>({ ...base, kind, storeId: Option.getOrNull(storeId) })
      }
      default:
        return Option.none<InsightFact>()
    }
  })

/**
 * The event's contributions, added once: by the outbox handler with its claim (the store's one
 * write carries it), by the rebuild in its transaction without. True when they went to the store
 * (with the claim, when given, recorded); false when the event counts for nothing (nothing written).
 */
export const foldIntoReadModels = (event: StoredInsightEvent, claim?: HandlerClaim) =>
  Effect.gen(function* () {
    const fact = yield* factOf(event)
    if (Option.isNone(fact)) return false
    if ("currency" in fact.value && !isCurrency(fact.value.currency)) return false
    yield* Effect.flatMap(InsightStore, (s) => s.apply(contributions(fact.value), claim))
    return true
  }).pipe(Effect.withSpan("Insights.fold"))

const PAGE = 500

/**
 * `npm run read-models:rebuild`: the tables emptied and every event folded again, in commit order,
 * in one transaction (the worker's handler waits for it, then finds its events handled). `handler`
 * is the outbox handler's name: its processed_events rows are rewritten for the events folded here.
 */
export const rebuildReadModels = (handler: string) =>
  Effect.gen(function* () {
    const uow = yield* UnitOfWork
    return yield* uow.transaction(
      Effect.gen(function* () {
        const store = yield* InsightStore
        yield* store.clear(handler)
        let after = 0
        let folded = 0
        for (;;) {
          const page = yield* store.events(INSIGHT_EVENTS, after, PAGE)
          for (const e of page) yield* foldIntoReadModels(e)
          yield* store.markHandled(
            handler,
            page.map((e) => e.id)
          )
          folded += page.length
          if (page.length < PAGE) return folded
          after = page[page.length - 1]!.seq
        }
      })
    )
  }).pipe(Effect.withSpan("Insights.rebuild"))
