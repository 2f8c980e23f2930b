/**
 * The Database service: postgres.js wrapped in Effect, after @effect/sql-pg's PgClient.
 *
 * - `query(sql => sql\`...\`)` runs on the current transaction's connection when inside
 *   `transaction`, else on the pool. Interrupting the fiber cancels a transaction's statement on the
 *   server (its connection is used again only once the cancel was delivered); a statement on the
 *   pool is abandoned instead (it runs to its end, bounded by the pool's statement_timeout: onPool).
 * - `transaction(effect)` reserves one connection, BEGINs, runs the effect with that connection as
 *   the current one, COMMITs on success and ROLLBACKs on failure, defect or interruption. A nested
 *   `transaction` becomes a SAVEPOINT: its failure undoes only its own writes.
 * - Failures are `DbError` values carrying the SQLSTATE, so callers can map 23505 (unique), 23514
 *   (check), 40001 (serialization) to domain outcomes.
 */
import { connect } from "node:net"
import type { Socket } from "node:net"
import { Context, Data, Duration, Effect, Exit, FiberRef, Layer, Option } from "effect"
import postgres from "postgres"

export type Sql = postgres.Sql

/** What `query` accepts: postgres.js's PendingQuery (a lazy promise with `cancel`). */
export interface CancellableQuery<A> extends PromiseLike<A> {
  cancel(): unknown
}

/** SQLSTATE codes callers map to outcomes (AM0xx are raised by our own triggers). */
export const SqlState = {
  UniqueViolation: "23505",
  CheckViolation: "23514",
  ForeignKeyViolation: "23503",
  NotNullViolation: "23502",
  SerializationFailure: "40001",
  DeadlockDetected: "40P01",
  QueryCanceled: "57014",
  /** UPDATE/DELETE/TRUNCATE on an append-only table */
  AppendOnlyViolation: "AM001",
  /** a ledger transaction whose entries do not sum to zero per currency (raised at COMMIT) */
  UnbalancedLedger: "AM002",
  /** a business rule's refusal raised by a statement (amana_refuse, db/migrations/0080): message = its code, detail = what */
  Refused: "AM003"
} as const

export class DbError extends Data.TaggedError("DbError")<{
  /** SQLSTATE for server errors; postgres.js's code (e.g. CONNECTION_CLOSED) for client ones */
  readonly code: string | undefined
  readonly message: string
  readonly constraint: string | undefined
  readonly table: string | undefined
  readonly detail: string | undefined
  readonly cause: unknown
}> {
  get isUniqueViolation(): boolean {
    return this.code === SqlState.UniqueViolation
  }
  get isCheckViolation(): boolean {
    return this.code === SqlState.CheckViolation
  }
  get isSerializationFailure(): boolean {
    return this.code === SqlState.SerializationFailure || this.code === SqlState.DeadlockDetected
  }
}

const field = (cause: unknown, key: string): string | undefined => {
  if (typeof cause !== "object" || cause === null) return undefined
  const value = (cause as Record<string, unknown>)[key]
  return typeof value === "string" ? value : undefined
}

export const toDbError = (cause: unknown): DbError =>
  cause instanceof DbError
    ? cause
    : new DbError({
        code: field(cause, "code"),
        message: cause instanceof Error ? cause.message : String(cause),
        constraint: field(cause, "constraint_name"),
        table: field(cause, "table_name"),
        detail: field(cause, "detail"),
        cause
      })

export type IsolationLevel = "read committed" | "repeatable read" | "serializable"

export interface TransactionOptions {
  /** Only honoured by the outermost transaction; nested ones are savepoints. */
  readonly isolation?: IsolationLevel
  readonly readOnly?: boolean
}

export interface DatabaseService {
  readonly query: <A>(f: (sql: Sql) => CancellableQuery<A>) => Effect.Effect<A, DbError>
  readonly transaction: <A, E, R>(effect: Effect.Effect<A, E, R>, options?: TransactionOptions) => Effect.Effect<A, E | DbError, R>
  /** True inside `transaction` (lets a repository assert it is called within one). */
  readonly inTransaction: Effect.Effect<boolean>
  /**
   * A write whose answer nobody reads. Inside `transaction` it is sent at once, in order, but not
   * waited for: it leaves in the same socket write as what follows it (pipelined) and costs no
   * round trip of its own. Its failure fails the transaction: the statement after it, the
   * savepoint's end or COMMIT notices, and the write's own error is what the transaction fails with
   * (not the "current transaction is aborted" that followed it). Outside one it runs like `query`.
   * `refine` turns the write's failure into what the transaction fails with (a refusal the statement
   * raised, amana_refuse, into the domain's error): a write that may be refused needs no answer read
   * either, and can leave together with COMMIT.
   */
  readonly write: <E = DbError>(f: (sql: Sql) => CancellableQuery<unknown>, refine?: (e: DbError) => E) => Effect.Effect<void, E>
  /**
   * A `write` held back and sent with COMMIT: just before it, after what `atCommit` gathered, in the
   * same socket write. For a statement that locks a hot row (a product's stock, a limited incentive's
   * counter): the lock is then held while the server runs the statement and COMMIT, never while the
   * server waits for this process to send COMMIT (under load the fiber's next turn, and COMMIT with
   * it, can come tens of milliseconds later, every other buyer of the row queued behind it). Its
   * failure is the transaction's, refined as `write`'s is. Inside a savepoint (which may be rolled
   * back on its own) or outside a transaction it is `write`.
   */
  readonly writeAtCommit: <E = DbError>(f: (sql: Sql) => CancellableQuery<unknown>, refine?: (e: DbError) => E) => Effect.Effect<void, E>
  /**
   * Items gathered until the outermost transaction commits, then written by ONE statement per key
   * (`flush` of everything gathered under the key, in the order added), sent together with COMMIT.
   * A savepoint rolled back drops what was added inside it. Outside a transaction the statement
   * runs at once for these items.
   */
  readonly atCommit: <T>(
    key: string,
    items: ReadonlyArray<T>,
    flush: (items: ReadonlyArray<T>) => (sql: Sql) => CancellableQuery<unknown>
  ) => Effect.Effect<void, DbError>
  /**
   * Sends what `atCommit` gathered so far, now (as writes nobody waits for), instead of with COMMIT:
   * for a transaction about to lock hot rows, so the lock is held only until COMMIT and not through
   * the gathered statements too. Inside a savepoint it does nothing (a rollback to the savepoint would
   * undo items gathered before it); outside a transaction, nothing is gathered.
   */
  readonly sendGathered: Effect.Effect<void>
  /**
   * `f` once the outermost transaction has committed (not if it rolls back); outside a transaction,
   * now. For what must follow a commit without being part of it (waking the outbox relay). A
   * savepoint rolled back does not withdraw it: `f` must be harmless when there is nothing to do.
   */
  readonly afterCommit: (f: () => void) => Effect.Effect<void>
}

export class Database extends Context.Tag("amana/Database")<Database, DatabaseService>() {}

/** Accessors, so use cases can write `Db.query(sql => ...)` without yielding the service first. */
export const query = <A>(f: (sql: Sql) => CancellableQuery<A>): Effect.Effect<A, DbError, Database> => Effect.flatMap(Database, (db) => db.query(f))

export const transaction = <A, E, R>(effect: Effect.Effect<A, E, R>, options?: TransactionOptions): Effect.Effect<A, E | DbError, R | Database> =>
  Effect.flatMap(Database, (db) => db.transaction(effect, options))

export const inTransaction: Effect.Effect<boolean, never, Database> = Effect.flatMap(Database, (db) => db.inTransaction)

/**
 * A statement postgres.js would refuse while building it (an undefined parameter: UNDEFINED_VALUE),
 * found before it is handed over. postgres.js builds a statement when it is its turn to be written;
 * one refused then while another is in flight on the connection (pipelined: `write`, `pipelined`,
 * a busy pool connection) is never sent, yet it stays queued for an answer, and the error goes to
 * the statement in flight: the answers after it go to the wrong statements and the last never
 * comes (tests/db/client-side-refusal.test.ts: the transaction hung, holding its locks).
 * Looks into nested fragments; not into sql(...) helpers (their objects may hold unused keys).
 */
const refusedByClient = (statement: unknown): DbError | undefined => {
  const refused = (a: unknown): boolean => {
    if (a === undefined) return true
    if (typeof a !== "object" || a === null) return false
    // a nested fragment (sql`...`), or a typed parameter (sql.json(x), sql.array(x)) of undefined
    if (Array.isArray((a as { strings?: unknown }).strings)) return hasRefused((a as { args?: unknown }).args)
    return a.constructor.name === "Parameter" && (a as { value?: unknown }).value === undefined
  }
  const hasRefused = (args: unknown): boolean => Array.isArray(args) && args.some(refused)
  return typeof statement === "object" && statement !== null && hasRefused((statement as { args?: unknown }).args)
    ? toDbError(Object.assign(new Error("Undefined values are not allowed"), { code: "UNDEFINED_VALUE" }))
    : undefined
}

/** The statement `f` builds, or why it cannot be sent (it threw, or postgres.js would refuse it: refusedByClient). */
const built = <A>(f: (sql: Sql) => CancellableQuery<A>, sql: Sql): CancellableQuery<A> | DbError => {
  try {
    const query = f(sql)
    return refusedByClient(query) ?? query
  } catch (cause) {
    return toDbError(cause)
  }
}

// How long an interrupted transaction waits for its statement to settle and its cancel to be delivered before moving on.
const cancelGrace = Duration.seconds(5)

/**
 * Asks the server to cancel `query` if it is the statement its connection is running now, and
 * returns the CancelRequest's delivery: settled once the server has closed the cancel's socket (its
 * SIGINT to the backend sent) or the socket failed. Undefined when nothing was sent: the query has
 * settled, is not on a connection yet, or waits behind another statement on its connection.
 *
 * A CancelRequest names a backend, not a statement: one that lands after its statement finished
 * fails whatever the backend runs next (57014). So a transaction's connection that was sent a
 * cancel is kept out of use until the delivery settled (`Held.cancels`, handBack), and only the
 * statement being run is cancelled: postgres.js defers the cancel of a pipelined one until it is at
 * the head on the client side (by then the server may have run it and moved on), then skips past
 * it, so its answers go to the statements after it; and it rejects a statement queued on a reserved
 * connection locally, after which that connection never sends what is queued behind it. Statements
 * outside a transaction are never cancelled (onPool).
 *
 * postgres.js internals (3.4.9, package-lock.json): `query.cancel()` discards the promise of the
 * cancel's delivery, so the query's `canceller` (index.js `cancel(query)`) is called here, as
 * `cancel()` would, and `active` says the query is at the head of its connection
 * (tests/db/cancel-delivery.test.ts fails if an upgrade changes either).
 */
export const requestCancel = (query: CancellableQuery<unknown>): Promise<void> | undefined => {
  const internal = query as unknown as { active?: unknown; canceller?: unknown }
  if (internal.active !== true || typeof internal.canceller !== "function") return undefined
  const canceller = internal.canceller as (q: unknown) => unknown
  internal.canceller = null
  return Promise.resolve(canceller.call(query, query)).then(noop, noop)
}

const noop = (): void => undefined

/**
 * Waits (at most the grace) for `work`: what an interruption waits for before it completes; the rest
 * goes on in the background. The grace of a held connection is counted from its first cancel (an
 * interrupted statement and then its transaction's ROLLBACK share it). A race of promises, not
 * Effect.timeout: an interruption's handler runs uninterruptibly, where Effect.timeout cannot stop
 * what it times and waits for it to end (the grace was not kept: tests/db/cancel-delivery.test.ts,
 * "not delivered within the 5 s grace").
 */
const awhile = (work: Promise<unknown>, held?: Held): Effect.Effect<void> =>
  Effect.promise(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const ends = held?.graceEnds ?? Date.now() + Duration.toMillis(cancelGrace)
    const grace = new Promise<void>((done) => (timer = setTimeout(done, Math.max(0, ends - Date.now()))))
    return Promise.race([work.then(noop, noop), grace]).finally(() => clearTimeout(timer))
  })

/**
 * A transaction's connection: `cancels`, the deliveries of the cancels sent for it; `lost`, the
 * connection was lost (a statement or BEGIN failed with a connection error: see onTx).
 */
interface Held {
  readonly conn: postgres.ReservedSql
  lost: boolean
  readonly cancels: Array<Promise<void>>
  /** when the grace of the first cancel sent for it ends (awhile) */
  graceEnds?: number
}

/**
 * Hands the connection back to the pool once `before` (the ROLLBACK) and every cancel sent for it
 * are over, however long that takes: a cancel still on its way may land at any time, and must find
 * nothing but this connection's own statements. The cancel's delivery always ends: postgres.js
 * closes a cancel's socket after its connect_timeout (10 s, makePool) at the latest.
 */
const handBack = (held: Held, before: () => Promise<unknown> = () => Promise.resolve()): Promise<void> =>
  Promise.all(held.cancels)
    .then(before)
    .then(noop, noop)
    .then(() => {
      if (!held.lost) held.conn.release()
    })

/**
 * A statement outside a transaction, on the pool (pipelined by postgres.js behind the statements of
 * other requests on a busy connection). An interruption abandons it: the fiber goes on at once, the
 * statement runs to its end on the server and its answer is dropped. It is never cancelled on the
 * server: a CancelRequest names the backend, not the statement, and the pool hands the connection
 * to the next statement (or has already sent other requests' statements behind it) before a cancel
 * could be known to have landed: a late one would fail someone else's statement with 57014. The
 * pool's `statement_timeout` (makePool, 30 s by default) bounds what is abandoned. Interruptions
 * here are rare (the readiness probe's 2 s limit, shutdown, the simulator's 10 s); keeping every
 * statement on a reserved connection until its cancel was delivered cost 10-28% node CPU per
 * request (docs/decisions.md, seventh and eighth sessions).
 */
const onPool = <A>(sql: Sql, f: (sql: Sql) => CancellableQuery<A>): Effect.Effect<A, DbError> =>
  Effect.async<A, DbError>((resume) => {
    const pending = built(f, sql)
    if (pending instanceof DbError) return resume(Effect.fail(pending))
    // (an answer after an interruption is dropped: resume then does nothing)
    pending.then(
      (value) => resume(Effect.succeed(value)),
      (cause: unknown) => resume(Effect.fail(toDbError(cause)))
    )
  })

/** What an interruption does besides cancelling the query: `first`, run before (the cancels it sent); `keep`, the query itself is not cancelled and its answer is waited for (COMMIT). */
interface OnInterrupt {
  readonly first?: () => ReadonlyArray<Promise<void>>
  readonly keep?: boolean
}

/**
 * Runs one query on a transaction's connection. On interruption it asks the server to cancel it and
 * waits (briefly) until the query has settled and the cancel was delivered: the connection is then
 * free again, and no cancel is on its way to it. The deliveries are also left in `held.cancels`, for
 * what is sent next on the connection (the ROLLBACK, a savepoint's rollback) and the hand-back.
 */
const run = <A>(held: Held, f: (sql: Sql) => CancellableQuery<A>, interrupted: OnInterrupt = {}): Effect.Effect<A, DbError> =>
  Effect.async<A, DbError>((resume) => {
    const pending = built(f, held.conn)
    if (pending instanceof DbError) {
      resume(Effect.fail(pending))
      return
    }
    const settled = new Promise<void>((done) => {
      pending.then(
        (value) => {
          done()
          resume(Effect.succeed(value))
        },
        (cause: unknown) => {
          done()
          resume(Effect.fail(toDbError(cause)))
        }
      )
    })
    return Effect.suspend(() => {
      const sent = [...(interrupted.first?.() ?? [])]
      const own = interrupted.keep === true ? undefined : requestCancel(pending)
      if (own !== undefined) sent.push(own)
      held.cancels.push(...sent)
      if (sent.length > 0) held.graceEnds ??= Date.now() + Duration.toMillis(cancelGrace)
      return interrupted.keep === true
        ? Effect.zipRight(
            Effect.promise(() => settled),
            awhile(Promise.all(sent), held)
          )
        : awhile(Promise.all([settled, ...sent]), held)
    })
  }).pipe(
    Effect.tapError((e) =>
      Effect.sync(() => {
        if (connectionLost(e)) held.lost = true
      })
    )
  )

interface TxState extends Held {
  /** savepoint names are unique within the transaction */
  savepoints: number
  /** savepoints open now (nested transactions being run) */
  depth: number
  /**
   * a write refused before it was sent (refusedByClient): the server's transaction is not aborted by
   * it, so COMMIT must not be sent (commit)
   */
  broken: unknown
  /** writes sent without waiting (`write`), each settling to its (refined) error or undefined */
  readonly pending: Array<Promise<unknown>>
  /** those writes' queries still unanswered (the first is what the server is running, or waiting on) */
  readonly unanswered: Set<CancellableQuery<unknown>>
  /** `atCommit` items by key, in the order the keys were first used (and `writeAtCommit`'s writes, a symbol each, with their refine) */
  readonly batches: Map<
    string | symbol,
    { items: Array<unknown>; flush: (items: ReadonlyArray<unknown>) => (sql: Sql) => CancellableQuery<unknown>; refine?: (e: DbError) => unknown }
  >
  /** `afterCommit` callbacks, run once COMMIT succeeded */
  readonly committed: Array<() => void>
}

const lostConnection = () => toDbError(Object.assign(new Error("the transaction's connection was lost"), { code: "CONNECTION_CLOSED" }))

// Errors after which the reserved connection is gone: postgres.js's own (raised when the socket
// closes), the socket's, SQLSTATE class 08, and the server's FATAL shutdown/termination codes.
const CONNECTION_LOSS = new Set(["CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "57P01", "57P02"])
const connectionLost = (e: DbError): boolean => e.code !== undefined && (CONNECTION_LOSS.has(e.code) || e.code.startsWith("08"))

/**
 * A statement on the transaction's connection. postgres.js cannot use a reserved connection again
 * once it closed: a query sent on it never settles (its write throws "Cannot read properties of null
 * (reading 'write')" in a setImmediate), and release() would put the dead connection in the pool's
 * open queue, where every later query on it hangs the same way. So the first connection error marks
 * the transaction lost, and nothing is sent on it after that (nor is it released: postgres.js has
 * already moved it to its closed queue, from which the pool reconnects it).
 */
const onTx = <A>(tx: TxState, f: (sql: Sql) => CancellableQuery<A>, keep = false): Effect.Effect<A, DbError> =>
  // suspended: `lost` is read when the statement is about to be sent (a ROLLBACK built before BEGIN's failure arrived)
  Effect.suspend(() => (tx.lost ? Effect.fail(lostConnection()) : run(tx, f, { first: () => cancelUnansweredWrite(tx), keep })))

/** Sends a statement on the transaction's connection without waiting for it (see `write`). */
const sendWrite = (tx: TxState, f: (sql: Sql) => CancellableQuery<unknown>, refine: (e: DbError) => unknown = (e) => e): void => {
  if (tx.lost) {
    tx.pending.push(Promise.resolve(refine(lostConnection())))
    return
  }
  const query = built(f, tx.conn)
  if (query instanceof DbError) {
    const failed = refine(query)
    tx.broken ??= failed
    tx.pending.push(Promise.resolve(failed))
    return
  }
  // then() is what sends a postgres.js query: called here, synchronously, so the write leaves in
  // its turn (Promise.resolve(query) would call it a microtask later, after what follows it)
  tx.unanswered.add(query)
  tx.pending.push(
    Promise.resolve(
      query.then(
        () => void tx.unanswered.delete(query),
        (cause: unknown) => {
          tx.unanswered.delete(query)
          const failed = toDbError(cause)
          if (connectionLost(failed)) tx.lost = true
          return refine(failed)
        }
      )
    )
  )
}

/**
 * An interrupted statement on the transaction's connection waits behind the writes sent before it:
 * cancelling it alone would wait for them (postgres.js cancels a queued query only once it runs),
 * and a write waiting on a lock (the stock row a checkout reserves last, with COMMIT behind it)
 * would hold the interruption until the lock frees. So the first write still unanswered, the one
 * the server is running, is cancelled first: the transaction aborts, and what follows fails at once.
 */
const cancelUnansweredWrite = (tx: TxState): ReadonlyArray<Promise<void>> => {
  const first = tx.unanswered.values().next()
  const sent = first.done === true ? undefined : requestCancel(first.value)
  return sent === undefined ? [] : [sent]
}

/** The first failure among the writes sent since `from`, once they have all settled (a write's failure as its `refine` made it). */
const writeFailure = (tx: TxState, from: number): Effect.Effect<unknown> =>
  Effect.promise(() => Promise.all(tx.pending.slice(from)).then((outcomes) => outcomes.find((o) => o !== undefined)))

/** A failure after a write that failed is that write's failure (what came after was "transaction aborted"). */
const blameWrites =
  (tx: TxState, from: number) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | DbError, R> =>
    // (a write's refined failure is among E: the effect that sent it has it in its type)
    Effect.catchAll(effect, (e) => Effect.flatMap(writeFailure(tx, from), (failed) => Effect.fail((failed ?? e) as E | DbError)))

/**
 * BEGIN, and where the pool bounds its statements (makePool's `statement_timeout`), the lifting of
 * that bound for the transaction, in the same message (one simple query, one answer): a
 * transaction's statements keep the bound they had before it was set, none but their cancel on
 * interruption (what legitimately runs long runs in transactions: the read models' rebuild, a
 * worker's handler waiting behind it, lock waits). The bound is for statements outside one, which
 * an interruption abandons (onPool).
 */
const beginStatement = (options: TransactionOptions | undefined, liftTimeout: boolean): string =>
  ["begin", options?.isolation ? `isolation level ${options.isolation}` : "", options?.readOnly ? "read only" : ""].filter((part) => part !== "").join(" ") +
  (liftTimeout ? "; set local statement_timeout = 0" : "")

/** The gathered items' statements, sent now (writes nobody waits for). */
const sendBatches = (tx: TxState): void => {
  for (const b of tx.batches.values()) sendWrite(tx, b.flush(b.items), b.refine)
  tx.batches.clear()
}

/**
 * COMMIT, with the gathered `atCommit` statements sent just before it in the same socket write. A
 * write that failed turned the COMMIT into a ROLLBACK (the server's answer to COMMIT in an aborted
 * transaction): the transaction then fails with that write's error. COMMIT itself is never
 * cancelled (we would not know whether it happened) and its answer is always waited for; an
 * interruption cancels the write the server is still running before it (onTx), which aborts the
 * transaction unless it has committed already, so the answer comes without waiting for a lock.
 */
const commit = (tx: TxState): Effect.Effect<void, unknown> =>
  Effect.suspend(() => {
    sendBatches(tx)
    // a write that never reached the server did not abort its transaction: no COMMIT (the release rolls back)
    if (tx.broken !== undefined) return Effect.fail(tx.broken)
    return Effect.flatMap(Effect.either(onTx(tx, (c) => c.unsafe("commit"), true)), (committed) =>
      Effect.flatMap(writeFailure(tx, 0), (failed) =>
        failed !== undefined ? Effect.fail(failed) : committed._tag === "Left" ? Effect.fail(committed.left) : Effect.void
      )
    )
  })

/** Builds the service over an existing pool (the caller owns the pool's lifetime). */
export const make = (sql: Sql): Effect.Effect<DatabaseService> =>
  Effect.sync(() => {
    // One FiberRef per service instance: two pools never see each other's transactions.
    const current = FiberRef.unsafeMake<Option.Option<TxState>>(Option.none())
    // the pool bounds its statements (makePool): transactions lift the bound (beginStatement)
    const bounded = Boolean((sql.options as { connection?: Record<string, unknown> }).connection?.["statement_timeout"])

    // BEGIN is pipelined: sent without waiting for its answer, so it leaves in the same socket write
    // as the transaction's first statement (postgres.js batches a connection's writes per tick) and
    // costs no round trip of its own. Its outcome is awaited before COMMIT: a BEGIN that failed
    // (the connection lost) fails the transaction even if no statement noticed.
    const topLevel = <A, E, R>(effect: Effect.Effect<A, E, R>, options: TransactionOptions | undefined): Effect.Effect<A, E | DbError, R> =>
      Effect.acquireUseRelease(
        Effect.tryPromise({ try: () => sql.reserve(), catch: toDbError }).pipe(
          Effect.map((conn) => {
            const tx: TxState = {
              conn,
              cancels: [],
              savepoints: 0,
              depth: 0,
              lost: false,
              broken: undefined,
              pending: [],
              unanswered: new Set(),
              batches: new Map(),
              committed: []
            }
            const begun = conn.unsafe(beginStatement(options, bounded)).then(
              () => undefined,
              (cause: unknown) => {
                const failed = toDbError(cause)
                if (connectionLost(failed)) tx.lost = true
                return failed
              }
            )
            return { tx, begun }
          })
        ),
        ({ begun, tx }) =>
          Effect.locally(effect, current, Option.some<TxState>(tx)).pipe(
            blameWrites(tx, 0),
            Effect.tap(() =>
              Effect.flatMap(
                Effect.promise(() => begun),
                (failed) => (failed === undefined ? Effect.void : Effect.fail(failed))
              )
            ),
            // Deferred constraints (the ledger balance) fail here, as a DbError. A COMMIT in flight
            // is not cancelled (commit). (A write's refined failure is among E, as in blameWrites.)
            Effect.tap(() => commit(tx) as Effect.Effect<void, E | DbError>),
            Effect.tap(() => Effect.sync(() => tx.committed.forEach((f) => f())))
          ),
        ({ begun, tx }, exit) =>
          tx.cancels.length === 0
            ? (Exit.isSuccess(exit)
                ? Effect.void
                : Effect.ignore(
                    Effect.zipRight(
                      Effect.promise(() => begun),
                      onTx(tx, (c) => c.unsafe("rollback"))
                    )
                  )
              ).pipe(
                // a lost connection is not handed back (see onTx): the server ended its transaction with it
                Effect.ensuring(Effect.sync(() => (tx.lost ? undefined : tx.conn.release())))
              )
            : // an interruption sent a cancel: nothing is sent on the connection before it was delivered, or
              // a late one would fail the ROLLBACK, or the next request's statement on the connection
              // (requestCancel). The interruption waits for that (at most the grace, counted from the
              // first cancel); ROLLBACK and the hand-back follow it, in the background past the grace.
              awhile(
                handBack(tx, () =>
                  Exit.isSuccess(exit) // (a savepoint interrupted alone, its transaction committed)
                    ? Promise.resolve()
                    : begun.then(() =>
                        tx.lost
                          ? undefined
                          : tx.conn.unsafe("rollback").then(undefined, (cause: unknown) => {
                              if (connectionLost(toDbError(cause))) tx.lost = true
                            })
                      )
                ),
                tx
              )
      )

    const nested = <A, E, R>(tx: TxState, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | DbError, R> =>
      Effect.suspend(() => {
        const name = `amana_sp_${++tx.savepoints}`
        const writesBefore = tx.pending.length
        const brokenBefore = tx.broken
        const batchesBefore = new Map([...tx.batches].map(([key, b]) => [key, b.items.length]))
        return Effect.acquireUseRelease(
          Effect.tap(
            onTx(tx, (c) => c.unsafe(`savepoint ${name}`)),
            () => void tx.depth++
          ),
          () => Effect.tap(effect, () => onTx(tx, (c) => c.unsafe(`release savepoint ${name}`))).pipe(blameWrites(tx, writesBefore)),
          (_, exit) =>
            Exit.isSuccess(exit)
              ? Effect.sync(() => void tx.depth--)
              : Effect.suspend(() => {
                  tx.depth--
                  // what was written or gathered inside the savepoint is undone with it
                  tx.pending.splice(writesBefore)
                  tx.broken = brokenBefore
                  for (const [key, b] of tx.batches) {
                    const kept = batchesBefore.get(key)
                    if (kept === undefined) tx.batches.delete(key)
                    else b.items.splice(kept)
                  }
                  // (after the cancels sent inside it, as the ROLLBACK: a savepoint interrupted alone, under a
                  // timeout, leaves its transaction running, and its next statement must not meet the cancel)
                  return Effect.zipRight(
                    tx.cancels.length === 0 ? Effect.void : awhile(Promise.all(tx.cancels), tx),
                    Effect.ignore(onTx(tx, (c) => c.unsafe(`rollback to savepoint ${name}`)))
                  )
                })
        )
      })

    const write = <E = DbError>(f: (sql: Sql) => CancellableQuery<unknown>, refine?: (e: DbError) => E): Effect.Effect<void, E> =>
      Effect.flatMap(FiberRef.get(current), (tx) =>
        Option.isSome(tx)
          ? Effect.sync(() => sendWrite(tx.value, f, refine))
          : (Effect.mapError(Effect.asVoid(onPool(sql, f)), (e) => (refine ? refine(e) : e)) as Effect.Effect<void, E>)
      )

    return {
      query: (f) => Effect.flatMap(FiberRef.get(current), (tx) => (Option.isSome(tx) ? onTx(tx.value, f) : onPool(sql, f))),
      transaction: (effect, options) =>
        Effect.flatMap(FiberRef.get(current), (tx) => (Option.isSome(tx) ? nested(tx.value, effect) : topLevel(effect, options))),
      inTransaction: Effect.map(FiberRef.get(current), Option.isSome),
      write,
      writeAtCommit: <E = DbError>(f: (sql: Sql) => CancellableQuery<unknown>, refine?: (e: DbError) => E): Effect.Effect<void, E> =>
        Effect.flatMap(FiberRef.get(current), (tx) =>
          Option.isSome(tx) && tx.value.depth === 0
            ? Effect.sync(() => {
                // a key of its own (a symbol: no atCommit key can be it), sent in its turn among the gathered ones
                tx.value.batches.set(Symbol("writeAtCommit"), { items: [], flush: () => f, ...(refine && { refine }) })
              })
            : write(f, refine)
        ),
      afterCommit: (f) => Effect.flatMap(FiberRef.get(current), (tx) => Effect.sync(() => (Option.isSome(tx) ? void tx.value.committed.push(f) : f()))),
      sendGathered: Effect.flatMap(FiberRef.get(current), (tx) =>
        Option.isSome(tx) && tx.value.depth === 0 ? Effect.sync(() => sendBatches(tx.value)) : Effect.void
      ),
      atCommit: <T>(key: string, items: ReadonlyArray<T>, flush: (items: ReadonlyArray<T>) => (sql: Sql) => CancellableQuery<unknown>) =>
        items.length === 0
          ? Effect.void
          : Effect.flatMap(FiberRef.get(current), (tx) => {
              if (Option.isNone(tx)) return Effect.asVoid(onPool(sql, flush(items)))
              return Effect.sync(() => {
                const batch = tx.value.batches.get(key)
                if (batch) batch.items.push(...items)
                else
                  tx.value.batches.set(key, { items: [...items], flush: flush as (items: ReadonlyArray<unknown>) => (sql: Sql) => CancellableQuery<unknown> })
              })
            })
    } satisfies DatabaseService
  })

export interface DatabaseOptions {
  /** pool size (default 10) */
  readonly max?: number
  /** an idle connection is closed after this long (default 30 s; 0: never, for a pool opened at start by openPool) */
  readonly idleTimeoutSeconds?: number
  readonly connectTimeoutSeconds?: number
  /** server NOTICE messages; ignored by default (postgres.js would print them) */
  readonly onNotice?: (notice: postgres.Notice) => void
  readonly applicationName?: string
  /** called with each statement as it is sent, with its parameters (benches count them; tests explain them) */
  readonly onStatement?: (query: string, parameters: ReadonlyArray<unknown>, types: ReadonlyArray<number>) => void
  /**
   * the server ends a statement outside a transaction that runs longer (SQLSTATE 57014; default 30 s;
   * 0: no bound). Those statements are abandoned, not cancelled, when their fiber is interrupted
   * (onPool): this bounds what an abandoned statement holds. A transaction lifts it for its own
   * statements (beginStatement), which its interruption still cancels.
   */
  readonly statementTimeoutSeconds?: number
}

/**
 * postgres.js opens its sockets with Nagle's algorithm on (no TCP_NODELAY). A transaction's writes
 * sent without waiting (pipelined BEGIN, `write`, `atCommit`, `pipelined`) leave in more than one
 * chunk when postgres.js flushes at 1 KiB or a later tick adds more; with Nagle the later chunk
 * waits for the server to acknowledge the earlier one, a round trip the pipelining was meant to
 * save (tests/api/checkout-round-trips.test.ts counts it). So the pool's sockets are ours, opened
 * with TCP_NODELAY as node-postgres and most drivers do. postgres.js hands over its parsed options
 * (the first host of the URL, or its Unix socket path); it still does TLS and the start-up on it.
 *
 * The socket is handed over at once, still connecting (what postgres.js writes meanwhile waits in
 * it): its connect error, close and time-out then take postgres.js's own paths. A factory that
 * rejects is reported to the waiting query but never closes the connection, which stays in
 * postgres.js's `connecting` queue for good: after `max` refused connects the pool hung
 * (tests/db/no-delay-socket.test.ts). `host` is what postgres.js's TLS takes as the server's name.
 */
const noDelaySocket = (o: { readonly host: ReadonlyArray<string>; readonly port: ReadonlyArray<number>; readonly path?: string | false }): Socket => {
  if (typeof o.path === "string" && o.path !== "") return connect(o.path).setNoDelay(true)
  const host = o.host[0] ?? "localhost"
  return Object.assign(connect({ host, port: o.port[0] ?? 5432, noDelay: true }), { host })
}

/**
 * The pool. int8 (bigint) columns are parsed to JS numbers because Money is a safe-integer number of
 * minor units; `sum(...)` returns numeric (a string), so cast sums with `::bigint`.
 */
export const makePool = (url: string, options: DatabaseOptions = {}): Sql =>
  postgres(url, {
    max: options.max ?? 10,
    idle_timeout: options.idleTimeoutSeconds ?? 30,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    // postgres.js's `socket` option (documented in its README, missing from its types)
    ...({ socket: noDelaySocket } as object),
    onnotice: options.onNotice ?? (() => undefined),
    // a startup parameter: the connection's default, at no cost per statement (postgres.js leaves out a 0)
    connection: { application_name: options.applicationName ?? "amana", statement_timeout: Math.round((options.statementTimeoutSeconds ?? 30) * 1000) },
    ...(options.onStatement !== undefined && {
      debug: (_connection: number, query: string, parameters: ReadonlyArray<unknown>, types: ReadonlyArray<number>) =>
        options.onStatement!(query, parameters, types)
    }),
    types: {
      // A value JSON.stringify refuses (a BigInt, a cycle) becomes text the server refuses (22P02):
      // thrown here, it would be refused in the client while other statements are in flight (see
      // refusedByClient), and a gathered atCommit statement would fail after its COMMIT was sent,
      // committing everything else. The server's refusal aborts the transaction in its turn.
      json: {
        to: 114,
        from: [114, 3802],
        serialize: (value: unknown) => {
          try {
            // (undefined for a function or a symbol: postgres.js could not write that either)
            return JSON.stringify(value) ?? "!not JSON: nothing to serialize"
          } catch (e) {
            return `!not JSON: ${e instanceof Error ? e.message : String(e)}`
          }
        },
        parse: (value: string) => JSON.parse(value) as unknown
      },
      int8: {
        to: 20,
        from: [20],
        serialize: (value: number | bigint) => String(value),
        parse: (value: string) => Number(value)
      }
    }
  }) as unknown as Sql

/**
 * Opens every connection of the pool now, all at once: what a connection costs to open (the TCP
 * connect, the server's backend start, the password exchange) is paid here, at a server's start,
 * instead of by its first `max` concurrent requests (bench:flash's first 64 checkouts on a cold pool
 * took twice as long as on an open one). postgres.js opens connections only when a query needs one.
 */
export const openPool = async (sql: Sql): Promise<void> => {
  const held = await Promise.all(Array.from({ length: sql.options.max }, () => sql.reserve()))
  for (const connection of held) connection.release()
}

/** The service over a pool it creates, and ends when the layer's scope closes. */
export const DatabaseLive = (url: string, options: DatabaseOptions = {}): Layer.Layer<Database> =>
  Layer.scoped(
    Database,
    Effect.acquireRelease(
      Effect.sync(() => makePool(url, options)),
      (sql) => Effect.promise(() => sql.end({ timeout: 5 }))
    ).pipe(Effect.flatMap(make))
  )

/** The service over a pool someone else owns (tests, scripts). */
export const DatabaseFromPool = (sql: Sql): Layer.Layer<Database> => Layer.effect(Database, make(sql))
