/**
 * Issue 11 item 2: phone login (buyers, sellers and riders alike) is limited per phone, per client
 * address and across the platform; wrong codes count per phone per window, whatever code they were
 * aimed at; a locked phone gets 429 with Retry-After. And TRUST_PROXY: behind a reverse proxy the
 * per-address limits see the client, while without it X-Forwarded-For changes nothing.
 *
 * Each test speaks from its own made-up client address (X-Forwarded-For through TRUST_PROXY=loopback)
 * so its limits are its own; the addresses are only header text, nothing is sent to them.
 */
import { randomInt } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { insertUser } from "../../adapters/postgres/seed.js"
import { DEFAULT_LOGIN_LIMITS } from "../../application/auth/rate-limits.js"
import { clientAddressKey, parseTrustProxy } from "../../adapters/http/client-address.js"
import { useTestDatabase } from "../support/test-database.js"
import { call, randomPhone, startApi } from "../api/support.js"
import type { Api } from "../api/support.js"

const db = useTestDatabase()
let api: Api

const setEnv = (env: Record<string, string | undefined>) => {
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
}
const withEnv = async <A>(env: Record<string, string | undefined>, f: () => Promise<A>): Promise<A> => {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
  setEnv(env)
  try {
    return await f()
  } finally {
    setEnv(saved)
  }
}

/** Starts the API with `env` in force until its runtime is built (the limiter is chosen then). */
const startWith = (env: Record<string, string | undefined>) =>
  withEnv(env, async () => {
    const started = await startApi(db.sql)
    await started.runtime.runtime()
    return started
  })

beforeAll(async () => {
  api = await startWith({ TRUST_PROXY: "loopback" })
})
afterAll(async () => {
  await api?.close()
})

// documentation-range IPv6 with a random /64 each: a fresh client every call
const clientAddress = () => `2001:db8:${randomInt(0, 0xffff).toString(16)}:${randomInt(0, 0xffff).toString(16)}::${randomInt(1, 0xffff).toString(16)}`
const from = (address: string) => ({ "x-forwarded-for": address })
const local = (phone: string) => `0${phone.slice(3)}`

const requestCode = (a: { readonly url: string }, phone: string, address: string) =>
  call(a, "POST", "/api/v1/auth/otp", { body: { phone: local(phone) }, headers: from(address) })
const exchange = (a: { readonly url: string }, phone: string, code: string, address: string) =>
  call(a, "POST", "/api/v1/auth/token", { body: { phone, code }, headers: from(address) })
const latestCode = async (phone: string) => {
  const inbox = await call(api, "GET", `/dev/messages?to=${phone}`)
  return /(\d{6})/.exec(inbox.body.items[0].text as string)![1]!
}
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0")

const expect429 = (r: Awaited<ReturnType<typeof call>>) => {
  expect([r.status, r.body.code]).toEqual([429, "RATE_LIMIT.EXCEEDED"])
  expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0)
}

describe("phone login limits", () => {
  it("one address cannot ask for codes for unlimited phones: past the per-address limit it gets 429, other addresses do not", async () => {
    const address = clientAddress()
    for (let i = 0; i < DEFAULT_LOGIN_LIMITS.codesPerAddress; i++) expect((await requestCode(api, randomPhone(), address)).status).toBe(202)
    expect429(await requestCode(api, randomPhone(), address))
    expect((await requestCode(api, randomPhone(), clientAddress())).status).toBe(202)
  })

  for (const role of ["BUYER", "SELLER_OWNER", "RIDER"]) {
    it(`${role}: wrong codes count per phone per window, not per code: a new code restores nothing and the locked phone gets 429 even with the right code`, async () => {
      const phone = randomPhone()
      await insertUser(db.sql, { id: `usr_lock_${role}_${phone}`, phone, roles: [role] })
      const address = clientAddress()
      expect((await requestCode(api, phone, address)).status).toBe(202)
      const first = await latestCode(phone)
      for (let i = 0; i < 3; i++) expect((await exchange(api, phone, wrong(first), address)).status).toBe(401)
      expect((await requestCode(api, phone, address)).status).toBe(202)
      const second = await latestCode(phone)
      const last = await exchange(api, phone, wrong(second), address)
      expect(last.status).toBe(401)
      expect(last.body.detail).toContain("1 attempt(s) left")
      expect((await exchange(api, phone, wrong(second), address)).status).toBe(401)
      // five wrong codes across two codes: the phone is locked, whatever is tried and from wherever
      expect429(await exchange(api, phone, second, address))
      expect429(await exchange(api, phone, second, clientAddress()))
      expect(await db.sql`select 1 from user_sessions s join users u on u.id = s.user_id where u.phone = ${phone}`).toHaveLength(0)
    })
  }

  it("one address cannot spread guesses over many phones: code exchanges are limited per address", async () => {
    const address = clientAddress()
    for (let i = 0; i < DEFAULT_LOGIN_LIMITS.attemptsPerAddress; i++) expect((await exchange(api, randomPhone(), "123456", address)).status).toBe(401)
    expect429(await exchange(api, randomPhone(), "123456", address))
    expect((await exchange(api, randomPhone(), "123456", clientAddress())).status).toBe(401)
  })

  it("the platform-wide ceiling (OTP_GLOBAL_LIMIT) refuses codes from any address once spent", async () => {
    const small = await startWith({ TRUST_PROXY: "loopback", OTP_GLOBAL_LIMIT: "3", REDIS_URL: undefined })
    try {
      for (let i = 0; i < 3; i++) expect((await requestCode(small, randomPhone(), clientAddress())).status).toBe(202)
      expect429(await requestCode(small, randomPhone(), clientAddress()))
    } finally {
      await small.close()
    }
  })
})

describe("TRUST_PROXY", () => {
  it("off (the default): X-Forwarded-For is ignored, so a client cannot pick a fresh address per request", async () => {
    const direct = await startWith({ TRUST_PROXY: undefined, REDIS_URL: undefined })
    try {
      for (let i = 0; i < DEFAULT_LOGIN_LIMITS.codesPerAddress; i++) expect((await requestCode(direct, randomPhone(), clientAddress())).status).toBe(202)
      expect429(await requestCode(direct, randomPhone(), clientAddress()))
    } finally {
      await direct.close()
    }
  })

  it("accepts hop counts and proxy addresses, refuses 'true' and nonsense, naming the variable", () => {
    expect(parseTrustProxy(undefined)).toBe(false)
    expect(parseTrustProxy("1")).toBe(1)
    expect(parseTrustProxy("10.0.0.5, 10.1.0.0/16,loopback")).toEqual(["10.0.0.5", "10.1.0.0/16", "loopback"])
    expect(() => parseTrustProxy("true")).toThrow(/TRUST_PROXY/)
    expect(() => parseTrustProxy("proxy.example")).toThrow(/TRUST_PROXY/)
  })

  it("per-address keys: IPv4 as is (also IPv4-mapped), IPv6 by its /64", () => {
    expect(clientAddressKey("203.0.113.7")).toBe("203.0.113.7")
    expect(clientAddressKey("::ffff:203.0.113.7")).toBe("203.0.113.7")
    expect(clientAddressKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64")
    expect(clientAddressKey("2001:db8:1:2:bbbb:cccc:dddd:eeee")).toBe("2001:db8:1:2::/64")
    expect(clientAddressKey("::1")).toBe("0:0:0:0::/64")
    expect(clientAddressKey(undefined)).toBe("unknown")
  })
})
