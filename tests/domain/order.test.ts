import { Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { EpochMillis, OrderId, UserId } from "../../domain/ids.js"
import {
  type Actor,
  type ActorKind,
  type OrderLifecycle,
  type OrderState,
  type OrderTransitionError,
  type TransitionCommand,
  type Transitioned,
  ActorKind as ActorKindSchema,
  DISPUTE_WINDOW_MS,
  OrderState as OrderStateSchema,
  PAYMENT_WINDOW_MS,
  canTransition,
  findTransition,
  isTerminal,
  nextStates,
  transition,
  transitions
} from "../../domain/order.js"

const HOUR = 60 * 60 * 1000
const T0 = EpochMillis.make(1_700_000_000_000)
const CODE = "4821"
const allStates = OrderStateSchema.literals
const allKinds = ActorKindSchema.literals
const at = (ms: number) => EpochMillis.make(T0 + ms)
const actor = (kind: ActorKind): Actor => (kind === "SYSTEM" ? { kind, id: "payments-callback" } : { kind, id: UserId.make(`u-${kind.toLowerCase()}`) })
const order = (state: OrderState, extra: Partial<OrderLifecycle> = {}): OrderLifecycle => ({
  id: OrderId.make("o-1"),
  state,
  checkedOutAt: T0,
  handoverCode: CODE,
  ...extra
})
const ok = (r: Either.Either<Transitioned, OrderTransitionError>): Transitioned => {
  if (Either.isLeft(r)) throw new Error(`expected success, got ${r.left.code}: ${r.left.message}`)
  return r.right
}
const err = (r: Either.Either<Transitioned, OrderTransitionError>): OrderTransitionError => {
  if (Either.isRight(r)) throw new Error(`expected refusal, got ${r.right.state}`)
  return r.left
}

// Steps are biased towards legal moves so random runs travel the whole graph; the rest is noise.
const weighted = <T>(...choices: ReadonlyArray<readonly [T, number]>) =>
  fc.oneof(...choices.map(([value, weight]) => ({ arbitrary: fc.constant(value), weight })))
const stepArb = fc.record({
  legalTarget: weighted([true, 4], [false, 1]),
  legalActor: weighted([true, 4], [false, 1]),
  pick: fc.nat(),
  stateIdx: fc.nat({ max: allStates.length - 1 }),
  kindIdx: fc.nat({ max: allKinds.length - 1 }),
  proof: weighted(["right", 3], ["wrong", 1], ["none", 1]),
  evidence: weighted(["described", 3], ["blank", 1], ["none", 1]),
  dt: fc.integer({ min: 0, max: 30 * HOUR })
})
type Step = typeof stepArb extends fc.Arbitrary<infer S> ? S : never

interface Trace {
  readonly before: OrderLifecycle
  readonly command: TransitionCommand
  readonly result: Either.Either<Transitioned, OrderTransitionError>
}

const run = ({ start, steps }: { start: OrderState; steps: ReadonlyArray<Step> }): ReadonlyArray<Trace> => {
  let current = order(start, start === "DELIVERED" ? { deliveredAt: T0 } : {})
  let now = 0
  const trace: Array<Trace> = []
  for (const s of steps) {
    now += s.dt
    const legal = nextStates(current.state)
    const to = s.legalTarget && legal.length > 0 ? legal[s.pick % legal.length]! : allStates[s.stateIdx]!
    const allowed = findTransition(current.state, to)?.actors ?? allKinds
    const kind = s.legalActor ? allowed[s.pick % allowed.length]! : allKinds[s.kindIdx]!
    const command: TransitionCommand = {
      to,
      actor: actor(kind),
      at: at(now),
      reason: "random step",
      ...(s.proof === "none" ? {} : { proof: { handoverCode: s.proof === "right" ? CODE : "0000" } }),
      ...(s.evidence === "none" ? {} : { evidence: { description: s.evidence === "blank" ? "  " : "wrong colour" } })
    }
    const result = transition(current, command)
    trace.push({ before: current, command, result })
    if (Either.isRight(result)) {
      current = {
        ...current,
        state: result.right.state,
        ...(result.right.state === "DELIVERED" ? { deliveredAt: command.at } : {})
      }
    }
  }
  return trace
}
// Half from checkout, half from any state: early exits to terminal states would otherwise starve the late ones.
const runs = fc.record({
  start: fc.oneof(fc.constant<OrderState>("PENDING_PAYMENT"), fc.constantFrom(...allStates)),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 40 })
})
const deep = { numRuns: 500 }
const maybeString = fc.option(fc.string(), { nil: undefined })

describe("order lifecycle: properties", () => {
  it("any random sequence of commands keeps an order inside the transition table (accepted steps are table rows, rejected steps change nothing)", () => {
    fc.assert(
      fc.property(runs, (r) => {
        const trace = run(r)
        for (const [i, { before, command, result }] of trace.entries()) {
          if (Either.isRight(result)) {
            const row = findTransition(before.state, command.to)
            expect(row).toBeDefined()
            expect(row!.actors).toContain(command.actor.kind)
            expect(result.right.state).toBe(command.to)
          }
          const next = trace[i + 1]
          if (next !== undefined) {
            expect(next.before.state).toBe(Either.isRight(result) ? command.to : before.state)
          }
        }
      }),
      deep
    )
  })

  it("DELIVERED is never reached without the buyer's handover code as proof", () => {
    fc.assert(
      fc.property(runs, (r) => {
        for (const { command, result } of run(r)) {
          if (Either.isRight(result) && result.right.state === "DELIVERED") {
            expect(command.proof?.handoverCode).toBe(CODE)
          }
        }
      }),
      deep
    )
    fc.assert(
      fc.property(maybeString, maybeString, (given, expected) => {
        const { handoverCode: _, ...withoutCode } = order("IN_TRANSIT")
        const o: OrderLifecycle = { ...withoutCode, ...(expected === undefined ? {} : { handoverCode: expected }) }
        const r = transition(o, {
          to: "DELIVERED",
          actor: actor("RIDER"),
          at: at(HOUR),
          ...(given === undefined ? {} : { proof: { handoverCode: given } })
        })
        expect(Either.isRight(r)).toBe(given !== undefined && expected !== undefined && given === expected)
        if (Either.isLeft(r)) {
          expect(r.left.code).toBe(given === undefined ? "ORDER.PROOF_REQUIRED" : "ORDER.WRONG_HANDOVER_CODE")
        }
      })
    )
  })

  it("terminal states have no exits: every command from them is an illegal transition", () => {
    const terminal = allStates.filter(isTerminal)
    expect([...terminal].sort()).toEqual(["CANCELLED", "CANCELLED_BY_USER", "COMPLETED", "EXPIRED", "REFUNDED"])
    fc.assert(
      fc.property(
        fc.constantFrom(...terminal),
        fc.constantFrom(...allStates),
        fc.constantFrom(...allKinds),
        fc.nat({ max: 1000 * HOUR }),
        (from, to, kind, ms) => {
          const e = err(
            transition(order(from, { deliveredAt: T0 }), {
              to,
              actor: actor(kind),
              at: at(ms),
              proof: { handoverCode: CODE },
              evidence: { description: "broken" }
            })
          )
          expect(e.code).toBe("ORDER.ILLEGAL_TRANSITION")
        }
      )
    )
  })

  it("every accepted transition yields exactly one event whose type is the row's and whose from/to match the move", () => {
    fc.assert(
      fc.property(runs, (r) => {
        for (const { before, command, result } of run(r)) {
          if (Either.isLeft(result)) continue
          const { state, event, timeline } = result.right
          expect(state).toBe(event.to)
          expect(event).toMatchObject({
            type: findTransition(before.state, command.to)!.event,
            orderId: before.id,
            from: before.state,
            to: command.to,
            at: command.at,
            actor: command.actor,
            reason: command.reason
          })
          expect(timeline).toEqual({
            at: command.at,
            from: before.state,
            to: command.to,
            actor: command.actor,
            reason: command.reason
          })
        }
      }),
      deep
    )
  })

  it("an actor the row does not list is refused with ORDER.FORBIDDEN_ACTOR", () => {
    const pairs = transitions.flatMap((t) => allKinds.filter((k) => !t.actors.includes(k)).map((k) => [t, k] as const))
    fc.assert(
      fc.property(fc.constantFrom(...pairs), ([t, kind]) => {
        const command = { to: t.to, actor: actor(kind), at: at(1000 * HOUR) }
        const e = err(transition(order(t.from, { deliveredAt: T0 }), command))
        expect(e).toMatchObject({ _tag: "ForbiddenActor", code: "ORDER.FORBIDDEN_ACTOR", from: t.from, to: t.to })
        expect(e).toHaveProperty("actor", kind)
      })
    )
  })

  it("a failed payment can be retried only before checkout + 12h, and an unpaid order expires only from checkout + 12h", () => {
    const unpaid = fc.constantFrom<OrderState>("PENDING_PAYMENT", "PAYMENT_FAILED")
    fc.assert(
      fc.property(fc.nat({ max: 48 * HOUR }), unpaid, (ms, from) => {
        const open = ms < PAYMENT_WINDOW_MS
        const retry = transition(order("PAYMENT_FAILED"), { to: "PENDING_PAYMENT", actor: actor("BUYER"), at: at(ms) })
        expect(Either.isRight(retry)).toBe(open)
        if (!open) expect(err(retry).code).toBe("ORDER.PAYMENT_WINDOW_CLOSED")
        const expire = transition(order(from), { to: "EXPIRED", actor: actor("SYSTEM"), at: at(ms) })
        expect(Either.isRight(expire)).toBe(!open)
        if (open) expect(err(expire).code).toBe("ORDER.PAYMENT_WINDOW_OPEN")
      })
    )
  })

  it("the SYSTEM completes a delivered order only once the dispute window has passed; the buyer may confirm at once", () => {
    fc.assert(
      fc.property(fc.nat({ max: 200 * HOUR }), (sinceDelivery) => {
        const delivered = order("DELIVERED", { deliveredAt: at(HOUR) })
        const when = at(HOUR + sinceDelivery)
        const bySystem = transition(delivered, { to: "COMPLETED", actor: actor("SYSTEM"), at: when })
        expect(Either.isRight(bySystem)).toBe(sinceDelivery >= DISPUTE_WINDOW_MS)
        if (Either.isLeft(bySystem)) expect(bySystem.left.code).toBe("ORDER.DISPUTE_WINDOW_OPEN")
        expect(Either.isRight(transition(delivered, { to: "COMPLETED", actor: actor("BUYER"), at: when }))).toBe(true)
      })
    )
    // Without a delivery time the window cannot be shown to have passed.
    const e = err(transition(order("DELIVERED"), { to: "COMPLETED", actor: actor("SYSTEM"), at: at(1000 * HOUR) }))
    expect(e.code).toBe("ORDER.DISPUTE_WINDOW_OPEN")
  })

  it("a dispute needs evidence with a non-blank description", () => {
    fc.assert(
      fc.property(maybeString, (description) => {
        const r = transition(order("DELIVERED", { deliveredAt: T0 }), {
          to: "DISPUTED",
          actor: actor("BUYER"),
          at: at(HOUR),
          ...(description === undefined ? {} : { evidence: { description } })
        })
        const valid = description !== undefined && description.trim() !== ""
        expect(Either.isRight(r)).toBe(valid)
        if (valid) expect(ok(r).event.evidence).toEqual({ description })
        else expect(err(r).code).toBe("ORDER.EVIDENCE_REQUIRED")
      })
    )
  })

  it("the table has no duplicate rows and every state is reachable from PENDING_PAYMENT", () => {
    const keys = transitions.map((t) => `${t.from}->${t.to}`)
    expect(new Set(keys).size).toBe(keys.length)
    const seen = new Set<OrderState>(["PENDING_PAYMENT"])
    const queue: Array<OrderState> = ["PENDING_PAYMENT"]
    for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
      for (const n of nextStates(s)) {
        if (!seen.has(n)) {
          seen.add(n)
          queue.push(n)
        }
      }
    }
    expect([...seen].sort()).toEqual([...allStates].sort())
  })
})

describe("order lifecycle: worked examples", () => {
  it("the table is exactly the transitions PRODUCT.md lists", () => {
    expect(transitions.map((t) => `${t.from} -> ${t.to}`)).toEqual([
      "PENDING_PAYMENT -> PAID",
      "PENDING_PAYMENT -> CANCELLED_BY_USER",
      "PENDING_PAYMENT -> PAYMENT_FAILED",
      "PENDING_PAYMENT -> EXPIRED",
      "PAYMENT_FAILED -> PENDING_PAYMENT",
      "PAYMENT_FAILED -> EXPIRED",
      "PAID -> ACCEPTED",
      "PAID -> CANCELLED",
      "ACCEPTED -> DISPATCHED",
      "DISPATCHED -> PICKED_UP",
      "PICKED_UP -> IN_TRANSIT",
      "IN_TRANSIT -> DELIVERED",
      "IN_TRANSIT -> DELIVERY_FAILED",
      "DELIVERY_FAILED -> DISPATCHED",
      "DELIVERY_FAILED -> RETURNED",
      "RETURNED -> REFUNDED",
      "DELIVERED -> COMPLETED",
      "DELIVERED -> DISPUTED",
      "DISPUTED -> COMPLETED",
      "DISPUTED -> REFUNDED"
    ])
  })

  it("happy path: PENDING_PAYMENT -> PAID -> ACCEPTED -> DISPATCHED -> PICKED_UP -> IN_TRANSIT -> DELIVERED -> COMPLETED", () => {
    // [to, actor, hours after checkout, event]
    const steps: ReadonlyArray<readonly [OrderState, ActorKind, number, string]> = [
      ["PAID", "SYSTEM", 0.05, "ORDER_PAID"],
      ["ACCEPTED", "SELLER", 1, "ORDER_ACCEPTED"],
      ["DISPATCHED", "SELLER", 3, "ORDER_DISPATCHED"],
      ["PICKED_UP", "RIDER", 4, "ORDER_PICKED_UP"],
      ["IN_TRANSIT", "RIDER", 4.1, "ORDER_IN_TRANSIT"],
      ["DELIVERED", "RIDER", 6, "ORDER_DELIVERED"],
      ["COMPLETED", "BUYER", 7, "ORDER_COMPLETED"]
    ]
    let current = order("PENDING_PAYMENT")
    for (const [to, kind, hours, type] of steps) {
      const r = ok(
        transition(current, {
          to,
          actor: actor(kind),
          at: at(hours * HOUR),
          ...(to === "DELIVERED" ? { proof: { handoverCode: CODE, location: { lat: -1.2864, lng: 36.8172 } } } : {})
        })
      )
      expect(r.event).toMatchObject({ type, from: current.state, to, actor: { kind } })
      expect(r.timeline.at).toBe(at(hours * HOUR))
      current = { ...current, state: r.state }
    }
    expect(current.state).toBe("COMPLETED")
    expect(isTerminal(current.state)).toBe(true)
  })

  it("DELIVERED -> PAID is refused with a message naming both states", () => {
    const e = err(transition(order("DELIVERED"), { to: "PAID", actor: actor("ADMIN"), at: at(HOUR) }))
    expect(e).toMatchObject({ _tag: "IllegalTransition", code: "ORDER.ILLEGAL_TRANSITION", from: "DELIVERED", to: "PAID" })
    expect(e.message).toBe("cannot move order o-1 from DELIVERED to PAID")
  })

  it("helpers read the table: nextStates, canTransition, isTerminal", () => {
    expect(nextStates("IN_TRANSIT")).toEqual(["DELIVERED", "DELIVERY_FAILED"])
    expect(nextStates("DELIVERY_FAILED")).toEqual(["DISPATCHED", "RETURNED"])
    expect(canTransition("DELIVERY_FAILED", "DISPATCHED")).toBe(true)
    expect(canTransition("PAID", "DELIVERED")).toBe(false)
    expect(isTerminal("DISPUTED")).toBe(false)
    expect(isTerminal("REFUNDED")).toBe(true)
  })

  it("windows at their edges: 12h to retry or expire a payment, 72h before the SYSTEM completes a delivery", () => {
    const justBefore = PAYMENT_WINDOW_MS - 1
    // [from, to, actor, ms after checkout, outcome]
    const edges: ReadonlyArray<readonly [OrderState, OrderState, ActorKind, number, string]> = [
      ["PAYMENT_FAILED", "PENDING_PAYMENT", "BUYER", justBefore, "ok"],
      ["PAYMENT_FAILED", "PENDING_PAYMENT", "BUYER", PAYMENT_WINDOW_MS, "ORDER.PAYMENT_WINDOW_CLOSED"],
      ["PENDING_PAYMENT", "EXPIRED", "SYSTEM", justBefore, "ORDER.PAYMENT_WINDOW_OPEN"],
      ["PENDING_PAYMENT", "EXPIRED", "SYSTEM", PAYMENT_WINDOW_MS, "ok"],
      ["PAYMENT_FAILED", "EXPIRED", "SYSTEM", PAYMENT_WINDOW_MS, "ok"],
      // delivered at checkout + 1h, so the dispute window closes at checkout + 73h
      ["DELIVERED", "COMPLETED", "SYSTEM", HOUR + DISPUTE_WINDOW_MS - 1, "ORDER.DISPUTE_WINDOW_OPEN"],
      ["DELIVERED", "COMPLETED", "SYSTEM", HOUR + DISPUTE_WINDOW_MS, "ok"]
    ]
    for (const [from, to, kind, ms, outcome] of edges) {
      const r = transition(order(from, { deliveredAt: at(HOUR) }), { to, actor: actor(kind), at: at(ms) })
      expect(Either.isRight(r) ? "ok" : r.left.code).toBe(outcome)
    }
  })

  it("the buyer may dispute only inside the dispute window: once it has passed, the order is the SYSTEM's to complete (review of the order lifecycle)", () => {
    // delivered at checkout + 1h, so the dispute window closes at checkout + 73h
    const delivered = order("DELIVERED", { deliveredAt: at(HOUR) })
    const dispute = (ms: number) => transition(delivered, { to: "DISPUTED", actor: actor("BUYER"), at: at(ms), evidence: { description: "torn" } })
    expect(ok(dispute(HOUR + DISPUTE_WINDOW_MS - 1)).state).toBe("DISPUTED")
    const late = err(dispute(HOUR + DISPUTE_WINDOW_MS))
    expect(late.code).toBe("ORDER.DISPUTE_WINDOW_CLOSED")
    expect(late.message).toBe(`the dispute window closed at ${T0 + HOUR + DISPUTE_WINDOW_MS}; cannot move order o-1 from DELIVERED to DISPUTED`)
    // the buyer may still confirm receipt, and the SYSTEM completes
    expect(ok(transition(delivered, { to: "COMPLETED", actor: actor("BUYER"), at: at(HOUR + DISPUTE_WINDOW_MS) })).state).toBe("COMPLETED")
    expect(ok(transition(delivered, { to: "COMPLETED", actor: actor("SYSTEM"), at: at(HOUR + DISPUTE_WINDOW_MS) })).state).toBe("COMPLETED")
  })

  it("a wrong handover code is its own error, distinct from missing proof", () => {
    const deliver = { to: "DELIVERED", actor: actor("RIDER"), at: at(HOUR) } as const
    const wrong = err(transition(order("IN_TRANSIT"), { ...deliver, proof: { handoverCode: "1234" } }))
    expect(wrong).toMatchObject({ _tag: "WrongHandoverCode", code: "ORDER.WRONG_HANDOVER_CODE" })
    const missing = err(transition(order("IN_TRANSIT"), deliver))
    expect(missing).toMatchObject({ _tag: "ProofRequired", code: "ORDER.PROOF_REQUIRED" })
  })
})

describe("order lifecycle: what a refusal says and what an event carries (mutation testing found these unpinned)", () => {
  const messageOf = (o: OrderLifecycle, c: TransitionCommand) => {
    const e = err(transition(o, c))
    return [e._tag, e.message]
  }

  it("each refusal names the order, both states and what is missing", () => {
    expect(messageOf(order("PAID"), { to: "ACCEPTED", actor: actor("RIDER"), at: at(HOUR) })).toEqual([
      "ForbiddenActor",
      "RIDER may not move order o-1 from PAID to ACCEPTED"
    ])
    expect(messageOf(order("IN_TRANSIT"), { to: "DELIVERED", actor: actor("RIDER"), at: at(HOUR) })).toEqual([
      "ProofRequired",
      "proof of delivery (handover code) is required to move order o-1 from IN_TRANSIT to DELIVERED"
    ])
    expect(messageOf(order("IN_TRANSIT"), { to: "DELIVERED", actor: actor("RIDER"), at: at(HOUR), proof: { handoverCode: "0000" } })).toEqual([
      "WrongHandoverCode",
      "the handover code does not match; cannot move order o-1 from IN_TRANSIT to DELIVERED"
    ])
    expect(messageOf(order("DELIVERED"), { to: "DISPUTED", actor: actor("BUYER"), at: at(HOUR) })).toEqual([
      "EvidenceRequired",
      "a dispute needs evidence with a description; cannot move order o-1 from DELIVERED to DISPUTED"
    ])
    expect(messageOf(order("PAYMENT_FAILED"), { to: "PENDING_PAYMENT", actor: actor("BUYER"), at: at(PAYMENT_WINDOW_MS) })).toEqual([
      "PaymentWindowClosed",
      `the payment window closed at ${T0 + PAYMENT_WINDOW_MS}; cannot move order o-1 from PAYMENT_FAILED to PENDING_PAYMENT`
    ])
    expect(messageOf(order("PENDING_PAYMENT"), { to: "EXPIRED", actor: actor("SYSTEM"), at: at(HOUR) })).toEqual([
      "PaymentWindowOpen",
      `the payment window is open until ${T0 + PAYMENT_WINDOW_MS}; cannot move order o-1 from PENDING_PAYMENT to EXPIRED`
    ])
    expect(messageOf(order("DELIVERED", { deliveredAt: at(0) }), { to: "COMPLETED", actor: actor("SYSTEM"), at: at(HOUR) })).toEqual([
      "DisputeWindowOpen",
      `the dispute window is open until ${T0 + DISPUTE_WINDOW_MS}; the system cannot move order o-1 from DELIVERED to COMPLETED`
    ])
    expect(messageOf(order("DELIVERED"), { to: "COMPLETED", actor: actor("SYSTEM"), at: at(1_000 * HOUR) })).toEqual([
      "DisputeWindowOpen",
      "the dispute window is delivery time unknown; the system cannot move order o-1 from DELIVERED to COMPLETED"
    ])
  })

  it("the refusal carries the deadline it was measured against", () => {
    expect(err(transition(order("PENDING_PAYMENT"), { to: "EXPIRED", actor: actor("SYSTEM"), at: at(HOUR) }))).toMatchObject({
      closesAt: T0 + PAYMENT_WINDOW_MS
    })
    expect(err(transition(order("PAYMENT_FAILED"), { to: "PENDING_PAYMENT", actor: actor("BUYER"), at: at(PAYMENT_WINDOW_MS + 1) }))).toMatchObject({
      closedAt: T0 + PAYMENT_WINDOW_MS
    })
  })

  it("an order without a handover code is never delivered, whatever code the rider types (even an empty one)", () => {
    const noCode: OrderLifecycle = { id: OrderId.make("o-1"), state: "IN_TRANSIT", checkedOutAt: T0 }
    expect(err(transition(noCode, { to: "DELIVERED", actor: actor("RIDER"), at: at(HOUR), proof: { handoverCode: "" } }))._tag).toBe("WrongHandoverCode")
  })

  it("a dispute of blank spaces is refused; a described one is accepted and its evidence travels on the event", () => {
    expect(err(transition(order("DELIVERED"), { to: "DISPUTED", actor: actor("BUYER"), at: at(HOUR), evidence: { description: "   " } }))._tag).toBe(
      "EvidenceRequired"
    )
    const evidence = { description: "torn on arrival", attachments: ["https://img/1.jpg"] }
    const r = ok(transition(order("DELIVERED"), { to: "DISPUTED", actor: actor("BUYER"), at: at(HOUR), evidence }))
    expect(r.event).toEqual({ type: "ORDER_DISPUTED", orderId: "o-1", at: at(HOUR), from: "DELIVERED", to: "DISPUTED", actor: actor("BUYER"), evidence })
  })

  it("the reason travels on the event and the timeline; proof on the event only; nothing absent is written", () => {
    const proof = { handoverCode: CODE, photoUrl: "https://img/p.jpg" }
    const r = ok(transition(order("IN_TRANSIT"), { to: "DELIVERED", actor: actor("RIDER"), at: at(HOUR), reason: "left with the guard", proof }))
    expect(r.timeline).toEqual({ at: at(HOUR), from: "IN_TRANSIT", to: "DELIVERED", actor: actor("RIDER"), reason: "left with the guard" })
    expect(r.event).toEqual({
      type: "ORDER_DELIVERED",
      orderId: "o-1",
      at: at(HOUR),
      from: "IN_TRANSIT",
      to: "DELIVERED",
      actor: actor("RIDER"),
      reason: "left with the guard",
      proof
    })
    const plain = ok(transition(order("PAID"), { to: "ACCEPTED", actor: actor("SELLER"), at: at(HOUR) }))
    expect(Object.keys(plain.timeline).sort()).toEqual(["actor", "at", "from", "to"])
    expect(Object.keys(plain.event).sort()).toEqual(["actor", "at", "from", "orderId", "to", "type"])
  })

  it("buyer and admin complete at once; only the SYSTEM waits for the dispute window, and only from DELIVERED", () => {
    expect(ok(transition(order("DELIVERED"), { to: "COMPLETED", actor: actor("BUYER"), at: at(HOUR) })).state).toBe("COMPLETED")
    expect(ok(transition(order("DISPUTED"), { to: "COMPLETED", actor: actor("ADMIN"), at: at(HOUR) })).state).toBe("COMPLETED")
  })
})
