/**
 * CheckoutChanges over PostgreSQL's LISTEN/NOTIFY: db/migrations/0081 announces every change of a
 * checkout's state or of its pushes' status on `amana_checkout_changed` when it commits, whichever
 * process made it (the worker settling a payment, another API process). This process listens on one
 * connection of its own (postgres.js's `listen`, which reconnects and listens again by itself),
 * started by the first wait, and wakes the requests waiting on that checkout.
 *
 * - The feed counts as running only once this process has heard its own probe (a NOTIFY it sends
 *   after each LISTEN): a LISTEN that succeeds but hears nothing (behind PgBouncer in transaction
 *   mode, say) never makes anyone wait. Until then a wait is "unavailable".
 * - Nothing is missed between a caller's read and its wait: each checkout's last announcement is kept
 *   (LAST_SEEN_MS) with the instant it arrived, and a wait whose `since` is older returns at once; so
 *   does a wait from before the connection last began listening.
 * - A reconnect wakes every waiting request (announcements were lost meanwhile), spread over a
 *   second so their reads do not all queue for the pool at once.
 */
import { randomUUID } from "node:crypto"
import { Duration, Effect, Layer } from "effect"
import { CheckoutChanges } from "../../application/ports/checkout-changes.js"
import type { WaitOutcome } from "../../application/ports/checkout-changes.js"
import type { CheckoutId } from "../../domain/ids.js"
import type { Sql } from "./database.js"

export const CHECKOUT_CHANGED_CHANNEL = "amana_checkout_changed"
/** How long a checkout's last announcement is remembered: far longer than a read takes. */
const LAST_SEEN_MS = 60_000
/** Requests waiting at once in this process, at most; past it a wait is "unavailable". */
export const MAX_WAITING = 10_000
/** How long the first wait in a process gives the feed to start. */
const START_GRACE = Duration.seconds(1)
const RECONNECT_SPREAD_MS = 1_000

export const CheckoutChangesLive = (sql: Sql, options: { readonly maxWaiting?: number } = {}) =>
  Layer.scoped(
    CheckoutChanges,
    Effect.gen(function* () {
      const maxWaiting = options.maxWaiting ?? MAX_WAITING
      const waiting = new Map<string, Set<(outcome: WaitOutcome) => void>>()
      let count = 0
      const lastSeen = new Map<string, number>()
      // the feed: when the connection last began listening, and whether this process heard its probe since
      let listeningSince = 0
      let running = false
      let probe = ""
      let heard: (() => void) | undefined
      const runningNow = new Promise<void>((ok) => (heard = ok))
      let started: Promise<unknown> | undefined
      let unlisten: (() => Promise<void>) | undefined
      let closed = false

      const wake = (checkoutId: string) => {
        const set = waiting.get(checkoutId)
        if (set === undefined) return
        waiting.delete(checkoutId)
        for (const finish of set) finish("changed")
      }
      const announced = (payload: string) => {
        if (payload === probe) {
          running = true
          heard?.()
          return
        }
        if (payload.startsWith("probe:")) return // another process's
        const at = performance.now()
        // forget old announcements as new ones come (a Map iterates in insertion order: oldest first)
        for (const [id, seen] of lastSeen) {
          if (at - seen <= LAST_SEEN_MS) break
          lastSeen.delete(id)
        }
        lastSeen.delete(payload)
        lastSeen.set(payload, at)
        wake(payload)
      }
      const onListen = () => {
        listeningSince = performance.now()
        running = false
        probe = `probe:${randomUUID()}`
        sql`select pg_notify(${CHECKOUT_CHANGED_CHANNEL}, ${probe})`.catch(() => undefined)
        // listening again: what was announced meanwhile is lost; every waiting request reads again
        for (const id of [...waiting.keys()]) setTimeout(() => wake(id), Math.random() * RECONNECT_SPREAD_MS).unref()
      }
      const start = (): Promise<unknown> =>
        (started ??= sql.listen(CHECKOUT_CHANGED_CHANNEL, announced, onListen).then(
          (meta) => void (unlisten = meta.unlisten),
          () => void (started = undefined) // not listening: waits are unavailable, a later one tries again
        ))
      yield* Effect.addFinalizer(() =>
        Effect.promise(() => {
          closed = true
          for (const id of [...waiting.keys()]) wake(id)
          return unlisten?.().catch(() => undefined) ?? Promise.resolve()
        })
      )

      const wait = (checkoutId: CheckoutId, since: number, timeout: Duration.Duration) =>
        Effect.async<WaitOutcome>((resume) => {
          if (!running || closed || count >= maxWaiting) return resume(Effect.succeed("unavailable"))
          const seen = lastSeen.get(checkoutId)
          if (since < listeningSince || (seen !== undefined && seen >= since)) return resume(Effect.succeed("changed"))
          let done = false
          const leave = () => {
            done = true
            clearTimeout(timer)
            count--
            const set = waiting.get(checkoutId)
            set?.delete(finish)
            if (set?.size === 0) waiting.delete(checkoutId)
          }
          const finish = (outcome: WaitOutcome) => {
            if (done) return
            leave()
            resume(Effect.succeed(outcome))
          }
          const timer = setTimeout(() => finish("timedOut"), Duration.toMillis(timeout))
          count++
          const set = waiting.get(checkoutId) ?? new Set()
          set.add(finish)
          waiting.set(checkoutId, set)
          // interrupted (the client went away, the server stops): leave the queue
          return Effect.sync(() => {
            if (!done) leave()
          })
        })

      return CheckoutChanges.of({
        now: Effect.sync(() => performance.now()),
        awaitChange: (checkoutId, since, timeout) =>
          Effect.suspend(() => {
            if (running) return wait(checkoutId, since, timeout)
            void start()
            // the first wait gives the feed a moment to start (and hear its probe)
            return Effect.zipRight(
              Effect.ignore(
                Effect.timeout(
                  Effect.promise(() => runningNow),
                  Duration.min(timeout, START_GRACE)
                )
              ),
              wait(checkoutId, since, timeout)
            )
          })
      })
    })
  )
