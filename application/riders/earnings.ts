/** A rider's earnings: the shipping of every order they delivered (credited at completion), what was paid out, and what is owed. */
import { Effect } from "effect"
import type { UserId } from "../../domain/ids.js"
import { NotARider } from "../fulfilment/fulfilment.errors.js"
import { FulfilmentStore } from "../fulfilment/fulfilment.port.js"

export const riderEarnings = (rider: { readonly id: UserId; readonly roles: ReadonlyArray<string> }) =>
  Effect.gen(function* () {
    if (!rider.roles.includes("RIDER")) return yield* new NotARider({ userId: rider.id })
    return yield* Effect.flatMap(FulfilmentStore, (s) => s.riderEarnings(rider.id))
  }).pipe(Effect.withSpan("Riders.earnings"))
