/**
 * Order lifecycle: the legal transitions as data, and one function that applies a command to an
 * order's state. Every accepted transition yields exactly one domain event (for the outbox) and one
 * timeline entry (who, when, why); everything else is refused with an error naming both states.
 */
import { Either, Schema } from "effect"
import { EpochMillis, OrderId, UserId } from "./ids.js"

export const OrderState = Schema.Literal(
  "PENDING_PAYMENT",
  "PAID",
  "CANCELLED_BY_USER",
  "PAYMENT_FAILED",
  "EXPIRED",
  "ACCEPTED",
  "CANCELLED",
  "DISPATCHED",
  "PICKED_UP",
  "IN_TRANSIT",
  "DELIVERED",
  "DELIVERY_FAILED",
  "RETURNED",
  "REFUNDED",
  "COMPLETED",
  "DISPUTED"
)
export type OrderState = typeof OrderState.Type

export const ActorKind = Schema.Literal("BUYER", "SELLER", "RIDER", "ADMIN", "SYSTEM")
export type ActorKind = typeof ActorKind.Type

/** People act under their user id; the SYSTEM acts under the name of the job or callback handler. */
export const Actor = Schema.Union(
  Schema.Struct({ kind: Schema.Literal("BUYER", "SELLER", "RIDER", "ADMIN"), id: UserId }),
  Schema.Struct({ kind: Schema.Literal("SYSTEM"), id: Schema.NonEmptyTrimmedString })
)
export type Actor = typeof Actor.Type

/** Proof of delivery: the buyer's handover code, optionally a photo and where it happened. */
export const Proof = Schema.Struct({
  handoverCode: Schema.String,
  photoUrl: Schema.optional(Schema.String),
  location: Schema.optional(Schema.Struct({ lat: Schema.Number, lng: Schema.Number }))
})
export type Proof = typeof Proof.Type

export const Evidence = Schema.Struct({
  description: Schema.String,
  attachments: Schema.optional(Schema.Array(Schema.String))
})
export type Evidence = typeof Evidence.Type

/** One event type per target state; `from` on the event tells e.g. a re-dispatch from a first dispatch. */
export const OrderEventType = Schema.Literal(
  "ORDER_PAYMENT_RETRIED",
  "ORDER_PAID",
  "ORDER_CANCELLED_BY_USER",
  "ORDER_PAYMENT_FAILED",
  "ORDER_EXPIRED",
  "ORDER_ACCEPTED",
  "ORDER_CANCELLED",
  "ORDER_DISPATCHED",
  "ORDER_PICKED_UP",
  "ORDER_IN_TRANSIT",
  "ORDER_DELIVERED",
  "ORDER_DELIVERY_FAILED",
  "ORDER_RETURNED",
  "ORDER_REFUNDED",
  "ORDER_COMPLETED",
  "ORDER_DISPUTED"
)
export type OrderEventType = typeof OrderEventType.Type

export const OrderEvent = Schema.Struct({
  type: OrderEventType,
  orderId: OrderId,
  from: OrderState,
  to: OrderState,
  at: EpochMillis,
  actor: Actor,
  reason: Schema.optional(Schema.String),
  proof: Schema.optional(Proof),
  evidence: Schema.optional(Evidence)
})
export type OrderEvent = typeof OrderEvent.Type

export const TimelineEntry = Schema.Struct({
  at: EpochMillis,
  from: OrderState,
  to: OrderState,
  actor: Actor,
  reason: Schema.optional(Schema.String)
})
export type TimelineEntry = typeof TimelineEntry.Type

const HOUR_MS = 60 * 60 * 1000
/** An unpaid order expires this long after checkout; a failed payment may be retried until then. */
export const PAYMENT_WINDOW_MS = 12 * HOUR_MS
/**
 * After DELIVERED the buyer has this long to dispute. Once it has passed the SYSTEM may complete the
 * order (releasing escrow); the buyer may complete it earlier by confirming receipt.
 */
export const DISPUTE_WINDOW_MS = 72 * HOUR_MS

export interface Transition {
  readonly from: OrderState
  readonly to: OrderState
  readonly event: OrderEventType
  readonly actors: ReadonlyArray<ActorKind>
}

/**
 * The only legal transitions (PRODUCT.md, Orders). ADMIN appears where a human must be able to act
 * for a party or settle an exception; SYSTEM where a confirmed callback or a timer decides.
 * Ownership (this buyer, this store's staff, the assigned rider) is checked by the application.
 */
export const transitions: ReadonlyArray<Transition> = [
  { from: "PENDING_PAYMENT", to: "PAID", event: "ORDER_PAID", actors: ["SYSTEM"] },
  // SYSTEM too: Daraja ResultCode 1032 is the buyer cancelling the STK prompt.
  { from: "PENDING_PAYMENT", to: "CANCELLED_BY_USER", event: "ORDER_CANCELLED_BY_USER", actors: ["BUYER", "SYSTEM"] },
  { from: "PENDING_PAYMENT", to: "PAYMENT_FAILED", event: "ORDER_PAYMENT_FAILED", actors: ["SYSTEM"] },
  { from: "PENDING_PAYMENT", to: "EXPIRED", event: "ORDER_EXPIRED", actors: ["SYSTEM"] },
  { from: "PAYMENT_FAILED", to: "PENDING_PAYMENT", event: "ORDER_PAYMENT_RETRIED", actors: ["BUYER"] },
  { from: "PAYMENT_FAILED", to: "EXPIRED", event: "ORDER_EXPIRED", actors: ["SYSTEM"] },
  { from: "PAID", to: "ACCEPTED", event: "ORDER_ACCEPTED", actors: ["SELLER"] },
  { from: "PAID", to: "CANCELLED", event: "ORDER_CANCELLED", actors: ["SELLER", "ADMIN"] },
  { from: "ACCEPTED", to: "DISPATCHED", event: "ORDER_DISPATCHED", actors: ["SELLER", "ADMIN"] },
  { from: "DISPATCHED", to: "PICKED_UP", event: "ORDER_PICKED_UP", actors: ["RIDER"] },
  { from: "PICKED_UP", to: "IN_TRANSIT", event: "ORDER_IN_TRANSIT", actors: ["RIDER"] },
  { from: "IN_TRANSIT", to: "DELIVERED", event: "ORDER_DELIVERED", actors: ["RIDER"] },
  { from: "IN_TRANSIT", to: "DELIVERY_FAILED", event: "ORDER_DELIVERY_FAILED", actors: ["RIDER"] },
  { from: "DELIVERY_FAILED", to: "DISPATCHED", event: "ORDER_DISPATCHED", actors: ["SELLER", "ADMIN"] },
  { from: "DELIVERY_FAILED", to: "RETURNED", event: "ORDER_RETURNED", actors: ["SELLER", "ADMIN"] },
  { from: "RETURNED", to: "REFUNDED", event: "ORDER_REFUNDED", actors: ["SYSTEM", "ADMIN"] },
  { from: "DELIVERED", to: "COMPLETED", event: "ORDER_COMPLETED", actors: ["BUYER", "SYSTEM"] },
  { from: "DELIVERED", to: "DISPUTED", event: "ORDER_DISPUTED", actors: ["BUYER"] },
  { from: "DISPUTED", to: "COMPLETED", event: "ORDER_COMPLETED", actors: ["ADMIN"] },
  { from: "DISPUTED", to: "REFUNDED", event: "ORDER_REFUNDED", actors: ["ADMIN"] }
]

export const findTransition = (from: OrderState, to: OrderState): Transition | undefined => transitions.find((t) => t.from === from && t.to === to)
export const canTransition = (from: OrderState, to: OrderState): boolean => findTransition(from, to) !== undefined
export const nextStates = (state: OrderState): ReadonlyArray<OrderState> => transitions.filter((t) => t.from === state).map((t) => t.to)
export const isTerminal = (state: OrderState): boolean => nextStates(state).length === 0

// Errors: a stable tag and code, and always the order and both states.
const move = { orderId: OrderId, from: OrderState, to: OrderState }
const names = (e: { orderId: OrderId; from: OrderState; to: OrderState }) => `order ${e.orderId} from ${e.from} to ${e.to}`

export class IllegalTransition extends Schema.TaggedError<IllegalTransition>()("IllegalTransition", {
  ...move
}) {
  readonly code = "ORDER.ILLEGAL_TRANSITION"
  override get message() {
    return `cannot move ${names(this)}`
  }
}

export class ForbiddenActor extends Schema.TaggedError<ForbiddenActor>()("ForbiddenActor", {
  ...move,
  actor: ActorKind
}) {
  readonly code = "ORDER.FORBIDDEN_ACTOR"
  override get message() {
    return `${this.actor} may not move ${names(this)}`
  }
}

export class ProofRequired extends Schema.TaggedError<ProofRequired>()("ProofRequired", {
  ...move
}) {
  readonly code = "ORDER.PROOF_REQUIRED"
  override get message() {
    return `proof of delivery (handover code) is required to move ${names(this)}`
  }
}

export class WrongHandoverCode extends Schema.TaggedError<WrongHandoverCode>()("WrongHandoverCode", {
  ...move
}) {
  readonly code = "ORDER.WRONG_HANDOVER_CODE"
  override get message() {
    return `the handover code does not match; cannot move ${names(this)}`
  }
}

export class EvidenceRequired extends Schema.TaggedError<EvidenceRequired>()("EvidenceRequired", {
  ...move
}) {
  readonly code = "ORDER.EVIDENCE_REQUIRED"
  override get message() {
    return `a dispute needs evidence with a description; cannot move ${names(this)}`
  }
}

export class PaymentWindowClosed extends Schema.TaggedError<PaymentWindowClosed>()("PaymentWindowClosed", {
  ...move,
  closedAt: EpochMillis
}) {
  readonly code = "ORDER.PAYMENT_WINDOW_CLOSED"
  override get message() {
    return `the payment window closed at ${this.closedAt}; cannot move ${names(this)}`
  }
}

export class PaymentWindowOpen extends Schema.TaggedError<PaymentWindowOpen>()("PaymentWindowOpen", {
  ...move,
  closesAt: EpochMillis
}) {
  readonly code = "ORDER.PAYMENT_WINDOW_OPEN"
  override get message() {
    return `the payment window is open until ${this.closesAt}; cannot move ${names(this)}`
  }
}

/** `closesAt` is absent when the order carries no delivery time, so the window cannot be shown to have passed. */
export class DisputeWindowOpen extends Schema.TaggedError<DisputeWindowOpen>()("DisputeWindowOpen", {
  ...move,
  closesAt: Schema.optional(EpochMillis)
}) {
  readonly code = "ORDER.DISPUTE_WINDOW_OPEN"
  override get message() {
    const until = this.closesAt === undefined ? "delivery time unknown" : `open until ${this.closesAt}`
    return `the dispute window is ${until}; the system cannot move ${names(this)}`
  }
}

/** A buyer's dispute after the window: the order is the SYSTEM's to complete (the cron runs every few minutes, not at once). */
export class DisputeWindowClosed extends Schema.TaggedError<DisputeWindowClosed>()("DisputeWindowClosed", {
  ...move,
  closedAt: EpochMillis
}) {
  readonly code = "ORDER.DISPUTE_WINDOW_CLOSED"
  override get message() {
    return `the dispute window closed at ${this.closedAt}; cannot move ${names(this)}`
  }
}

export type OrderTransitionError =
  | IllegalTransition
  | ForbiddenActor
  | ProofRequired
  | WrongHandoverCode
  | EvidenceRequired
  | PaymentWindowClosed
  | PaymentWindowOpen
  | DisputeWindowOpen
  | DisputeWindowClosed

/** The slice of an order its lifecycle needs. `deliveredAt` is set once the order reached DELIVERED. */
export interface OrderLifecycle {
  readonly id: OrderId
  readonly state: OrderState
  readonly checkedOutAt: EpochMillis
  readonly handoverCode?: string
  readonly deliveredAt?: EpochMillis
}

export interface TransitionCommand {
  readonly to: OrderState
  readonly actor: Actor
  readonly at: EpochMillis
  readonly reason?: string
  readonly proof?: Proof
  readonly evidence?: Evidence
}

export interface Transitioned {
  readonly state: OrderState
  readonly event: OrderEvent
  readonly timeline: TimelineEntry
}

const guard = (order: OrderLifecycle, command: TransitionCommand): OrderTransitionError | undefined => {
  const move = { orderId: order.id, from: order.state, to: command.to }
  const paymentDeadline = EpochMillis.make(order.checkedOutAt + PAYMENT_WINDOW_MS)
  switch (command.to) {
    case "DELIVERED": {
      if (command.proof === undefined) return new ProofRequired(move)
      // An order without a handover code can match no code: it is never delivered by accident.
      if (order.handoverCode === undefined || command.proof.handoverCode !== order.handoverCode) {
        return new WrongHandoverCode(move)
      }
      return undefined
    }
    case "DISPUTED": {
      if (command.evidence === undefined || command.evidence.description.trim() === "") return new EvidenceRequired(move)
      // The window the SYSTEM waits out before completing is the one the buyer may dispute in; an
      // order without a delivery time cannot be shown to be past it.
      if (order.deliveredAt === undefined) return undefined
      const closedAt = EpochMillis.make(order.deliveredAt + DISPUTE_WINDOW_MS)
      return command.at >= closedAt ? new DisputeWindowClosed({ ...move, closedAt }) : undefined
    }
    case "PENDING_PAYMENT":
      return command.at >= paymentDeadline ? new PaymentWindowClosed({ ...move, closedAt: paymentDeadline }) : undefined
    case "EXPIRED":
      return command.at < paymentDeadline ? new PaymentWindowOpen({ ...move, closesAt: paymentDeadline }) : undefined
    case "COMPLETED": {
      // Only the SYSTEM's completion of a delivered order waits for the window; buyer and admin act at once.
      if (order.state !== "DELIVERED" || command.actor.kind !== "SYSTEM") return undefined
      if (order.deliveredAt === undefined) return new DisputeWindowOpen(move)
      const closesAt = EpochMillis.make(order.deliveredAt + DISPUTE_WINDOW_MS)
      return command.at < closesAt ? new DisputeWindowOpen({ ...move, closesAt }) : undefined
    }
    default:
      return undefined
  }
}

/**
 * Apply a command to an order: the pair must be a table row, the actor one the row allows, and the
 * target state's guard must pass. Pure: the caller persists the new state, event and timeline entry
 * in one transaction.
 */
export const transition = (order: OrderLifecycle, command: TransitionCommand): Either.Either<Transitioned, OrderTransitionError> => {
  const move = { orderId: order.id, from: order.state, to: command.to }
  const rule = findTransition(order.state, command.to)
  if (rule === undefined) return Either.left(new IllegalTransition(move))
  if (!rule.actors.includes(command.actor.kind)) {
    return Either.left(new ForbiddenActor({ ...move, actor: command.actor.kind }))
  }
  const refused = guard(order, command)
  if (refused !== undefined) return Either.left(refused)

  const reason = command.reason === undefined ? {} : { reason: command.reason }
  const timeline: TimelineEntry = { at: command.at, from: order.state, to: command.to, actor: command.actor, ...reason }
  const event: OrderEvent = {
    type: rule.event,
    orderId: order.id,
    ...timeline,
    ...(command.proof === undefined ? {} : { proof: command.proof }),
    ...(command.evidence === undefined ? {} : { evidence: command.evidence })
  }
  return Either.right({ state: command.to, event, timeline })
}
