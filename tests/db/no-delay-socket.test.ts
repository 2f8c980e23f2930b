import { createServer } from "node:net"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "vitest"
import { makePool } from "../../adapters/postgres/database.js"
import { useTestDatabase } from "../support/test-database.js"

// makePool's own sockets (noDelaySocket, TCP_NODELAY) must leave postgres.js's connection handling
// as it was: a connection whose connect failed goes back to the pool's closed queue and is tried
// again by the next query. Fails on 1c61468 (the socket factory rejected: postgres.js reports the
// error but never closes the connection, which stays in its `connecting` queue for good; after
// `max` such failures every query waits forever, even once the server is back).
const db = useTestDatabase()

const freePort = () =>
  new Promise<number>((ok) => {
    const s = createServer()
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as AddressInfo).port
      s.close(() => ok(port))
    })
  })

const settle = (p: Promise<unknown>, ms: number) =>
  Promise.race([
    p.then(
      () => "ok",
      (e: { code?: string }) => `failed ${e.code ?? String(e)}`
    ),
    new Promise((ok) => setTimeout(() => ok("HUNG"), ms))
  ])

describe("makePool's sockets", () => {
  it("a refused connect fails the query, and the next query tries again (pool of one)", async () => {
    const port = await freePort()
    const url = new URL(db.ownerUrl)
    url.hostname = "127.0.0.1"
    url.port = String(port)
    const sql = makePool(url.toString(), { max: 1, connectTimeoutSeconds: 2 })
    try {
      expect(await settle(sql`select 1`, 4000)).toBe("failed ECONNREFUSED")
      expect(await settle(sql`select 1`, 4000)).toBe("failed ECONNREFUSED")
      // the server is back (a relay to the real one on that port): the pool serves again
      const target = new URL(db.ownerUrl)
      const { createConnection } = await import("node:net")
      const relay = createServer((c) => {
        const s = createConnection(Number(target.port || 5432), target.hostname)
        c.pipe(s).pipe(c)
        c.on("error", () => s.destroy())
        s.on("error", () => c.destroy())
      })
      await new Promise<void>((ok) => relay.listen(port, "127.0.0.1", () => ok()))
      try {
        expect(await settle(sql`select 1`, 4000)).toBe("ok")
      } finally {
        relay.close()
      }
    } finally {
      await sql.end({ timeout: 1 })
    }
  }, 20000)

  it("a server that accepts and never answers: the query fails with CONNECT_TIMEOUT, and so does the next (pool of one)", async () => {
    const silent = createServer(() => undefined)
    await new Promise<void>((ok) => silent.listen(0, "127.0.0.1", () => ok()))
    const url = new URL(db.ownerUrl)
    url.hostname = "127.0.0.1"
    url.port = String((silent.address() as AddressInfo).port)
    const sql = makePool(url.toString(), { max: 1, connectTimeoutSeconds: 1 })
    try {
      expect(await settle(sql`select 1`, 3000)).toBe("failed CONNECT_TIMEOUT")
      expect(await settle(sql`select 1`, 3000)).toBe("failed CONNECT_TIMEOUT")
    } finally {
      await sql.end({ timeout: 1 })
      silent.close()
    }
  }, 20000)
})
