/**
 * CheckoutChanges over PostgreSQL's LISTEN/NOTIFY: db/migrations/0081 announces every change of a
 * checkout's state or of its pushes' status on `amana_checkout_changed` when it commits, whichever
 * process made it (the worker settling a payment, another API process). This process listens on one
 * connection of its own (postgres.js's `listen`, which reconnects and listens again by itself),
 * started by the first wait, and wakes the requests waiting on that checkout.
 *
 * Nothing is missed between a caller's read and its wait: each checkout's last announcement is kept
 * (for LAST_SEEN_MS) with the instant it arrived, and a wait whose `since` is older returns at once.
 * While the connection is down announcements are lost; when it is listening again every wait returns
 * (the caller reads afresh), and until it first listens nobody waits (the caller answers at once).
 */
import { Duration, Effect, Layer } from "effect"
import { CheckoutChanges } from "../../application/ports/checkout-changes.js"
import type { CheckoutId } from "../../domain/ids.js"
import type { Sql } from "./database.js"

export const CHECKOUT_CHANGED_CHANNEL = "amana_checkout_changed"
/** How long a checkout's last announcement is remembered: far longer than a read takes. */
const LAST_SEEN_MS = 60_000
/** Requests waiting at once in this process, at most; past it a request answers at once (the buyer polls again). */
export const MAX_WAITING = 10_000

export const CheckoutChangesLive = (sql: Sql, options: { readonly maxWaiting?: number } = {}) =>
  Layer.scoped(
    CheckoutChanges,
    Effect.gen(function* () {
      const maxWaiting = options.maxWaiting ?? MAX_WAITING
      const waiting = new Map<string, Set<(changed: boolean) => void>>()
      let count = 0
      const lastSeen = new Map<string, number>()
      // when the connection last began listening (undefined: not yet): a wait from before it may have missed an announcement
      let listeningSince: number | undefined
      let started: Promise<unknown> | undefined
      let unlisten: (() => Promise<void>) | undefined

      const wake = (checkoutId: string) => {
        const set = waiting.get(checkoutId)
        if (set === undefined) return
        waiting.delete(checkoutId)
        for (const finish of set) finish(true)
      }
      const announced = (checkoutId: string) => {
        const at = performance.now()
        // forget old announcements as new ones come (a Map iterates in insertion order: oldest first)
        for (const [id, seen] of lastSeen) {
          if (at - seen <= LAST_SEEN_MS) break
          lastSeen.delete(id)
        }
        lastSeen.delete(checkoutId)
        lastSeen.set(checkoutId, at)
        wake(checkoutId)
      }
      const onListen = () => {
        listeningSince = performance.now()
        for (const id of [...waiting.keys()]) wake(id) // listening again: what was announced meanwhile is lost
      }
      const start = (): Promise<unknown> =>
        (started ??= sql.listen(CHECKOUT_CHANGED_CHANNEL, announced, onListen).then(
          (meta) => void (unlisten = meta.unlisten),
          () => void (started = undefined) // not listening: this wait answers at once, a later one tries again
        ))
      yield* Effect.addFinalizer(() => Effect.promise(() => unlisten?.().catch(() => undefined) ?? Promise.resolve()))

      const wait = (checkoutId: CheckoutId, since: number, timeout: Duration.Duration) =>
        Effect.async<boolean>((resume) => {
          const seen = lastSeen.get(checkoutId)
          if (listeningSince === undefined || count >= maxWaiting) return resume(Effect.succeed(false))
          if (since < listeningSince || (seen !== undefined && seen >= since)) return resume(Effect.succeed(true))
          let done = false
          const leave = () => {
            done = true
            clearTimeout(timer)
            count--
            const set = waiting.get(checkoutId)
            set?.delete(finish)
            if (set?.size === 0) waiting.delete(checkoutId)
          }
          const finish = (changed: boolean) => {
            if (done) return
            leave()
            resume(Effect.succeed(changed))
          }
          const timer = setTimeout(() => finish(false), Duration.toMillis(timeout))
          count++
          const set = waiting.get(checkoutId) ?? new Set()
          set.add(finish)
          waiting.set(checkoutId, set)
          // interrupted (the server stopping): leave the queue
          return Effect.sync(() => {
            if (!done) leave()
          })
        })

      return CheckoutChanges.of({
        now: Effect.sync(() => performance.now()),
        awaitChange: (checkoutId, since, timeout) =>
          Effect.suspend(() =>
            listeningSince !== undefined
              ? wait(checkoutId, since, timeout)
              : Effect.zipRight(Effect.ignore(Effect.timeout(Effect.promise(start), timeout)), wait(checkoutId, since, timeout))
          )
      })
    })
  )
