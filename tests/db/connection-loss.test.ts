import { createConnection, createServer } from "node:net"
import type { AddressInfo, Socket } from "node:net"
import { Duration, Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import * as Db from "../../adapters/postgres/database.js"
import { DatabaseLive, DbError } from "../../adapters/postgres/database.js"
import { useTestDatabase } from "../support/test-database.js"

// A transaction's connection lost (server restart, failover, pg_terminate_backend): the transaction
// must fail with a DbError, promptly, and the pool must serve the next query. postgres.js cannot run
// anything more on a reserved connection that closed (the query never settles; its write throws
// "Cannot read properties of null (reading 'write')" in a setImmediate), and handing it back with
// release() puts the dead connection into the pool's open queue.
const db = useTestDatabase()

const scratch = (name: string) => db.owner.unsafe(`create table if not exists ${name} (id text primary key, n int not null default 0)`)

/** A TCP relay in front of the server that cuts both sockets once `cut(chunk)` says so (while armed). */
const relayCutting = async (cut: (chunk: Buffer) => boolean) => {
  let armed = false
  const sockets = new Set<Socket>()
  const relay = createServer((client) => {
    const target = new URL(db.ownerUrl)
    const server = createConnection(Number(target.port || 5432), target.hostname)
    sockets.add(client).add(server)
    client.on("data", (d) => {
      if (armed && cut(d)) {
        armed = false
        client.destroy()
        server.destroy()
        return
      }
      server.write(d)
    })
    server.on("data", (d) => client.write(d))
    client.on("close", () => server.destroy())
    server.on("close", () => client.destroy())
    client.on("error", () => server.destroy())
    server.on("error", () => client.destroy())
  })
  await new Promise<void>((ok) => relay.listen(0, "127.0.0.1", () => ok()))
  const url = new URL(db.ownerUrl)
  url.hostname = "127.0.0.1"
  url.port = String((relay.address() as AddressInfo).port)
  return {
    url: url.toString(),
    arm: () => {
      armed = true
    },
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy()
        relay.close(() => ok())
      })
  }
}

const within = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.timeoutFail(effect, { duration: Duration.seconds(5), onTimeout: () => "TIMED OUT" as const })

describe("Database.transaction when its connection is lost", () => {
  it("lost at BEGIN (pipelined with the first statement): the transaction fails with a DbError and the pool serves the next query", async () => {
    await scratch("tx_lost_begin")
    const relay = await relayCutting((chunk) => chunk.toString("latin1").includes("begin"))
    try {
      const result = await Effect.runPromise(
        Effect.provide(
          Effect.gen(function* () {
            yield* Db.query((sql) => sql`select 1`) // the connection's start-up
            relay.arm()
            const tx = yield* Effect.exit(within(Db.transaction(Db.query((sql) => sql`insert into tx_lost_begin (id) values ('a')`))))
            const next = yield* Effect.exit(within(Db.query((sql) => sql<Array<{ n: number }>>`select 1 as n`)))
            return {
              tx:
                Exit.isFailure(tx) && tx.cause._tag === "Fail"
                  ? tx.cause.error instanceof DbError
                    ? "DbError"
                    : tx.cause.error
                  : Exit.isSuccess(tx)
                    ? "committed"
                    : "other",
              next: Exit.isSuccess(next) ? next.value[0]?.n : Exit.isFailure(next) && next.cause._tag === "Fail" ? next.cause.error : "other"
            }
          }),
          DatabaseLive(relay.url, { max: 1 })
        )
      )
      expect(result).toEqual({ tx: "DbError", next: 1 })
      expect(await db.owner`select id from tx_lost_begin`).toEqual([])
    } finally {
      await relay.close()
    }
  })

  it("lost after BEGIN (a later statement): the transaction fails with a DbError and the pool serves the next query", async () => {
    await scratch("tx_lost_later")
    const relay = await relayCutting((chunk) => chunk.toString("latin1").includes("'b'"))
    try {
      const result = await Effect.runPromise(
        Effect.provide(
          Effect.gen(function* () {
            yield* Db.query((sql) => sql`select 1`)
            relay.arm()
            const tx = yield* Effect.exit(
              within(
                Db.transaction(
                  Effect.zipRight(
                    Db.query((sql) => sql`insert into tx_lost_later (id) values ('a')`),
                    Db.query((sql) => sql.unsafe(`insert into tx_lost_later (id) values ('b')`))
                  )
                )
              )
            )
            const next = yield* Effect.exit(within(Db.query((sql) => sql<Array<{ n: number }>>`select 1 as n`)))
            return {
              tx:
                Exit.isFailure(tx) && tx.cause._tag === "Fail"
                  ? tx.cause.error instanceof DbError
                    ? "DbError"
                    : tx.cause.error
                  : Exit.isSuccess(tx)
                    ? "committed"
                    : "other",
              next: Exit.isSuccess(next) ? next.value[0]?.n : Exit.isFailure(next) && next.cause._tag === "Fail" ? next.cause.error : "other"
            }
          }),
          DatabaseLive(relay.url, { max: 1 })
        )
      )
      expect(result).toEqual({ tx: "DbError", next: 1 })
      expect(await db.owner`select id from tx_lost_later`).toEqual([])
    } finally {
      await relay.close()
    }
  })

  it("lost at BEGIN while the transaction fails on its own before BEGIN's answer: it fails with its error and the pool serves the next query", async () => {
    const relay = await relayCutting((chunk) => chunk.toString("latin1").includes("begin"))
    try {
      const result = await Effect.runPromise(
        Effect.provide(
          Effect.gen(function* () {
            yield* Db.query((sql) => sql`select 1`)
            relay.arm()
            const tx = yield* Effect.exit(within(Db.transaction(Effect.fail("refused" as const))))
            const next = yield* Effect.exit(within(Db.query((sql) => sql<Array<{ n: number }>>`select 1 as n`)))
            return {
              tx: Exit.isFailure(tx) && tx.cause._tag === "Fail" ? tx.cause.error : "other",
              next: Exit.isSuccess(next) ? next.value[0]?.n : "other"
            }
          }),
          DatabaseLive(relay.url, { max: 1 })
        )
      )
      expect(result).toEqual({ tx: "refused", next: 1 })
    } finally {
      await relay.close()
    }
  })
})
