/**
 * Issue 11 item 3: the unauthenticated admin login cannot make the platform store attacker-sized
 * data. Bodies are bounded before any parser runs (on /admin and on every route), the email's
 * length and shape are checked before the rate limiter is touched, the per-address limit is counted
 * before the per-email one, and what reaches Redis is hashed.
 */
import { Effect, Option } from "effect"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { authenticateAdmin, LOGIN_LIMIT } from "../../application/admin/admin-accounts.js"
import { KEY_PREFIX } from "../../adapters/redis/rate-limiter.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, startApi } from "../api/support.js"
import type { Api } from "../api/support.js"

const db = useTestDatabase()
let api: Api
const redisUrl = process.env["REDIS_URL"]?.trim() || undefined

beforeAll(async () => {
  api = await startApi(db.sql)
})
afterAll(async () => {
  await api?.close()
})

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
const login = (email: string, clientAddress: string) =>
  api.runtime.runPromise(Effect.either(authenticateAdmin({ email, password: "not the password", clientAddress })))
const throttled = (r: Awaited<ReturnType<typeof login>>) => r._tag === "Left" && r.left._tag === "AdminLoginThrottled"

describe("admin login input is bounded before it is stored", () => {
  it("a 2 MB form post to /admin/login is refused with 413 before it is parsed; a body without a length is refused with 411", async () => {
    const big = `email=${"a".repeat(2 * 1024 * 1024)}%40x.io&password=whatever`
    const r = await fetch(`${api.url}/admin/login`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: big })
    expect(r.status).toBe(413)
    expect(((await r.json()) as { code: string }).code).toBe("REQUEST.TOO_LARGE")
    const stream = new ReadableStream({
      start: (c) => {
        c.enqueue(new TextEncoder().encode("email=a%40b.io&password=x"))
        c.close()
      }
    })
    const chunked = await fetch(`${api.url}/admin/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: stream,
      duplex: "half"
    } as RequestInit)
    expect(chunked.status).toBe(411)
  })

  it("every API route refuses a declared body over 1 MB with 413 (problem+json), never a 500", async () => {
    const r = await call(api, "POST", "/api/v1/auth/otp", { raw: JSON.stringify({ phone: "0708374149", pad: "x".repeat(1_100_000) }) })
    expect([r.status, r.body.code]).toEqual([413, "REQUEST.TOO_LARGE"])
  })

  it("a 200 KB email (under the body bound) is answered as wrong credentials and nothing of it reaches Redis", async () => {
    const marker = unique()
    const email = `${marker}${"e".repeat(200_000)}@example.com`
    const r = await login(email, `addr-${marker}`)
    expect(r._tag === "Right" && Option.isNone(r.right)).toBe(true)
    if (redisUrl !== undefined) {
      const redis = new Redis(redisUrl)
      try {
        const keys = await redis.keys(`${KEY_PREFIX}*`)
        expect(keys.filter((k) => k.length > KEY_PREFIX.length + 80 || k.includes(marker))).toEqual([])
      } finally {
        await redis.quit()
      }
    }
  })

  it("text that is not an email spends no limit at all (it could never log in)", async () => {
    const address = `addr-${unique()}`
    for (let i = 0; i < LOGIN_LIMIT.perEmail + 5; i++) expect(throttled(await login(`not-an-email-${address}`, address))).toBe(false)
  })

  it("the per-address limit is checked first: a throttled address does not spend the next email's budget", async () => {
    const address = `addr-${unique()}`
    for (let i = 0; i < LOGIN_LIMIT.perAddress; i++) expect(throttled(await login(`someone-${i}-${address}@example.com`, address))).toBe(false)
    const victim = `victim-${unique()}@example.com`
    expect(throttled(await login(victim, address))).toBe(true)
    // from elsewhere the victim's email still has every one of its attempts
    const elsewhere = `addr-${unique()}`
    for (let i = 0; i < LOGIN_LIMIT.perEmail; i++) expect(throttled(await login(victim, elsewhere))).toBe(false)
    expect(throttled(await login(victim, elsewhere))).toBe(true)
  })
})
