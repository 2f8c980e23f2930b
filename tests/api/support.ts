/**
 * The API under test: the real platform runtime (platformLayer, configured from the environment
 * like production) over the file's test database, the real express server on a random port, and
 * Daraja played by the fake HTTP server (MPESA_ENV=sandbox, DARAJA_BASE_URL pointing at it).
 * The outbox is drained by hand (`drainOutbox`) so every test decides when the worker "runs".
 */
import { UserId } from "../../domain/ids.js"
import { randomInt } from "node:crypto"
import type { Server } from "node:http"
import { Effect } from "effect"
import { afterAll, beforeAll } from "vitest"
import { makePool } from "../../adapters/postgres/database.js"
import { relayed } from "../support/outbox-relay.js"
import type { Sql } from "../../adapters/postgres/database.js"
import { statementRecorder } from "../support/statement-recorder.js"
import { pgRelay } from "../support/pg-relay.js"
import { hashToken } from "../../adapters/postgres/auth-store.js"
import { insertDiscountCode, insertProduct, insertPromotion, insertStore, insertUser, insertVariant, insertZone } from "../../adapters/postgres/seed.js"
import { makePlatformRuntime } from "../../composition/platform.js"
import type { PlatformRuntime } from "../../composition/platform.js"
import { startServer } from "../../composition/http.js"
import { handlers } from "../../composition/event-handlers.js"
import { dispatchEvent } from "../../adapters/postgres/worker.js"
import { startFakeDaraja } from "../fakes/daraja-server.js"
import type { FakeDaraja } from "../fakes/daraja-server.js"

export interface Api {
  readonly url: string
  readonly runtime: PlatformRuntime
  readonly fake: FakeDaraja
  readonly close: () => Promise<void>
}

export const startApi = async (sql: Sql, options: { readonly production?: boolean } = {}): Promise<Api> => {
  const fake = await startFakeDaraja()
  process.env["MPESA_ENV"] = "sandbox"
  process.env["DARAJA_BASE_URL"] = fake.baseUrl
  process.env["DARAJA_CONSUMER_KEY"] = "test-consumer-key"
  process.env["DARAJA_CONSUMER_SECRET"] = "test-consumer-secret"
  process.env["DARAJA_TIMEOUT_MS"] = "3000"
  delete process.env["WHATSAPP_TOKEN"]
  delete process.env["PUBLIC_BASE_URL"]
  if (options.production) {
    process.env["MPESA_CALLBACK_SECRET"] = "prod-test-callback-secret"
    process.env["CART_TOKEN_SECRET"] = "prod-test-cart-secret"
  }
  const runtime = makePlatformRuntime(sql)
  const server: Server = await startServer(runtime, { port: 0, production: options.production ?? false })
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    runtime,
    fake,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((done) => server.close(() => done()))
      await runtime.dispose()
      await fake.close()
    }
  }
}

/**
 * The API on the application's own pool (makePool) with its statement hook, started before the
 * file's tests and closed after them, for tests that pin how many statements something costs:
 * `counted(run)` answers what `run` returned and the statements sent meanwhile.
 */
export const useRecordedApi = (db: { readonly url: string }) => {
  const { onStatement, counted } = statementRecorder()
  let pool: Sql | undefined
  let started: Api | undefined
  beforeAll(async () => {
    pool = makePool(db.url, { max: 4, onStatement })
    started = await startApi(pool)
  }, 60_000)
  afterAll(async () => {
    await started?.close()
    await pool?.end({ timeout: 5 })
  })
  return {
    counted,
    get api(): Api {
      if (started === undefined) throw new Error("the API starts in beforeAll")
      return started
    }
  }
}

/**
 * The API on the application's own pool (makePool) behind tests/support/pg-relay.ts, for tests that
 * pin what a request costs: `counted(method, path, options)` answers the reply, the statements the
 * pool sent meanwhile and the relay's round trips (answers are held 50 ms, so statements sent without
 * waiting are not split into trips by a fast loopback, nor by a loaded machine's late event-loop
 * turn: 20 ms once split a cart add at a load average of ~13). `close` stops the API, the pool and the relay.
 */
export const startRelayedApi = async (url: string) => {
  const relay = await pgRelay(url, () => false, 50)
  const { onStatement, counted, relayRuns } = statementRecorder()
  const pool = makePool(relay.url, { max: 4, onStatement })
  const api = await startApi(pool)
  return {
    api,
    /** (the API answers after its last statement settled) */
    counted: async (method: string, path: string, options: Parameters<typeof call>[3] = {}) => {
      // The outbox relay's statements (adapters/postgres/outbox-relay.ts), run after a commit that
      // appended events, are not the request's: each is one round trip of its own on an idle
      // connection (these tests send one request at a time), left out after it has run.
      const before = { trips: relay.trips(), relayed: relayRuns() }
      const { result: reply, statements } = await counted(() => call(api, method, path, options))
      await relayed(api.runtime)
      return { reply, statements, trips: relay.trips() - before.trips - (relayRuns() - before.relayed) }
    },
    close: async () => {
      await api.close()
      await pool.end({ timeout: 5 })
      await relay.close()
    }
  }
}

/** Run the outbox handlers over every unpublished event, like the worker would (a few rounds); returns the last round's failures. */
export const drainOutbox = async (api: Api, sql: Sql, rounds = 5): Promise<ReadonlyArray<string>> => {
  let failures: Array<string> = []
  for (let round = 0; round < rounds; round++) {
    const ids = (await sql<Array<{ id: string }>>`select id from outbox where published_at is null order by seq`).map((r) => r.id)
    failures = []
    if (ids.length === 0) break
    let progressed = false
    for (const id of ids) {
      const outcome = await api.runtime.runPromise(Effect.either(dispatchEvent(handlers, id, 1, 8)))
      if (outcome._tag === "Left") failures.push(String(outcome.left))
      else progressed = true
    }
    if (!progressed) break
  }
  return failures
}

export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly body: any // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read JSON freely
}

export const call = async (
  api: { readonly url: string },
  method: string,
  path: string,
  options: { body?: unknown; raw?: string | Uint8Array; token?: string; headers?: Record<string, string> } = {}
): Promise<Reply> => {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined || options.raw !== undefined ? { "content-type": "application/json" } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers
    },
    ...(options.raw !== undefined ? { body: options.raw } : options.body !== undefined ? { body: JSON.stringify(options.body) } : {})
  })
  const text = await res.text()
  let body: unknown = text
  try {
    body = text === "" ? undefined : JSON.parse(text)
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body }
}

/** A fresh Kenyan number per call and per run (rate limits in Redis outlive a test run). */
export const randomPhone = () => `2547${String(randomInt(10_000_000, 99_999_999))}`.replace(/(0000|1037|0001|2001|1019|4999)$/, "5555")

/** Log in by OTP exactly as a person would: request a code, read it in the dev inbox, exchange it. */
export const login = async (api: { readonly url: string }, phone: string, cartToken?: string) => {
  const sent = await call(api, "POST", "/api/v1/auth/otp", { body: { phone: `0${phone.slice(3)}` } })
  if (sent.status !== 202) throw new Error(`otp: ${sent.status} ${JSON.stringify(sent.body)}`)
  const inbox = await call(api, "GET", `/dev/messages?to=${phone}`)
  const text: string = inbox.body.items[0].text
  const code = /(\d{6})/.exec(text)![1]!
  const token = await call(api, "POST", "/api/v1/auth/token", { body: { phone, code, ...(cartToken && { cartToken }) } })
  if (token.status !== 200) throw new Error(`token: ${token.status} ${JSON.stringify(token.body)}`)
  return { token: token.body.token as string, userId: token.body.user.id as string, code }
}

/** A session without the OTP round trip (for tests that need many). */
export const sessionFor = async (sql: Sql, userId: string) => {
  const token = `tok_${randomInt(1e9, 9e9)}_${randomInt(1e9, 9e9)}_${Date.now()}`
  await sql`insert into user_sessions (user_id, token_hash, expires_at) values (${userId}, ${hashToken(token)}, now() + interval '1 day')`
  return token
}

let n = 0
/**
 * A store with two products in stock, Nairobi shipping (KES 250 flat, free over KES 5,000), a 10%
 * promotion (capped at KES 500) and the code KARIBU (KES 200 off from KES 1,000). Ids are unique.
 */
export const seedShop = async (sql: Sql, options: { readonly promotions?: boolean } = {}) => {
  const k = `${process.pid}_${++n}_${randomInt(1e6)}`
  const seller = { id: `usr_seller_${k}`, phone: randomPhone() }
  await insertUser(sql, { id: seller.id, phone: seller.phone, roles: ["SELLER_OWNER"] })
  const storeId = `sto_${k}`
  await insertStore(sql, { id: storeId, ownerId: seller.id, name: `Duka ${k}` })
  const dress = { productId: `prd_dress_${k}`, variantId: `var_dress_${k}` }
  const basket = { productId: `prd_basket_${k}`, variantId: `var_basket_${k}` }
  await insertProduct(sql, {
    id: dress.productId,
    storeId,
    title: "Kitenge dress",
    description: "Hand-printed cotton kitenge dress (nguo ya kitenge)",
    price: 2_500_00,
    commissionBps: 1_000
  })
  await insertVariant(sql, { id: dress.variantId, productId: dress.productId, sku: `DRESS-${k}`, weightGrams: 400, storeId, onHand: 50 })
  await insertProduct(sql, {
    id: basket.productId,
    storeId,
    title: "Sisal kiondo basket",
    description: "Woven sisal basket with leather straps",
    price: 1_200_00
  })
  await insertVariant(sql, { id: basket.variantId, productId: basket.productId, sku: `BASKET-${k}`, weightGrams: 500, storeId, onHand: 50 })
  if (options.promotions !== false) {
    await insertZone(sql, {
      id: "zone_nbi_api",
      name: "Nairobi",
      covers: ["KE-047"],
      rates: [
        { id: "rate_nbi_api_flat", kind: "FLAT", amount: 250_00 },
        { id: "rate_nbi_api_free", kind: "FREE_OVER", threshold: 5_000_00 }
      ]
    })
    await insertPromotion(sql, {
      id: "promo_api_10",
      name: "10% off everything (up to KES 500)",
      priority: 1,
      startsAt: new Date(Date.now() - 86_400_000),
      endsAt: new Date(Date.now() + 86_400_000 * 30),
      scope: { _tag: "EVERYTHING" },
      effect: { _tag: "PERCENT_OFF", bps: 1_000, cap: { amount: 500_00, currency: "KES" } }
    })
    await insertDiscountCode(sql, {
      id: "code_api_karibu",
      code: "KARIBU",
      expiresAt: new Date(Date.now() + 86_400_000 * 30),
      effect: { _tag: "AMOUNT_OFF", amount: { amount: 200_00, currency: "KES" } },
      minSubtotal: 1_000_00
    })
  }
  return { seller, storeId, dress, basket }
}

/** Tokens that must be refused as GET /api/v1/me refuses them: one revoked and one expired of `userId`, and a suspended buyer's. */
export const refusedTokens = async (sql: Sql, userId: string) => {
  const revoked = await sessionFor(sql, userId)
  await sql`update user_sessions set revoked_at = now() where token_hash = ${hashToken(revoked)}`
  const expired = await sessionFor(sql, userId)
  await sql`update user_sessions set expires_at = now() - interval '1 second' where token_hash = ${hashToken(expired)}`
  const suspended = await newBuyer(sql)
  await sql`update users set status = 'SUSPENDED' where id = ${suspended.id}`
  return { revoked, expired, suspended }
}

export const newBuyer = async (sql: Sql) => {
  const id = `usr_buyer_${process.pid}_${++n}_${randomInt(1e6)}`
  const phone = randomPhone()
  await insertUser(sql, { id, phone, roles: ["BUYER"] })
  return { id: UserId.make(id), phone, token: await sessionFor(sql, id) }
}

/**
 * A new buyer checks out one basket of `seedShop`'s shop (KES 1,200 − 10% promotion + KES 250
 * shipping = KES 1,330 charged), with a fresh Idempotency-Key under `label`.
 */
export const checkoutOneBasket = async (api: { readonly url: string }, sql: Sql, shop: Awaited<ReturnType<typeof seedShop>>, label: string) => {
  const buyer = await newBuyer(sql)
  const placed = await call(api, "POST", "/api/v1/checkouts", {
    token: buyer.token,
    headers: { "idempotency-key": `${label}-${++n}-${buyer.id}` },
    body: { destination: "KE-047-westlands", items: [{ variantId: shop.basket.variantId, quantity: 1 }] }
  })
  if (placed.status !== 201) throw new Error(`checkout refused: ${placed.status} ${JSON.stringify(placed.body)}`)
  return { buyer, checkoutId: placed.body.checkoutId as string, orderId: placed.body.orders[0].orderId as string, charge: placed.body.charge.amount as number }
}
