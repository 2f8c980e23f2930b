/**
 * An outbox handler's claim on one event: "this handler has handled this event". A handler whose
 * whole effect is one write hands its claim to the store making that write, and the store records
 * the claim in the same atomic write and makes the write only if the claim is new. A replay then
 * finds the claim and writes nothing (exactly-once effect), with no transaction around the write.
 * (adapters/postgres: a `processed_events` row inserted by a CTE of the write's one statement.)
 */
export interface HandlerClaim {
  readonly handler: string
  readonly eventId: string
}
