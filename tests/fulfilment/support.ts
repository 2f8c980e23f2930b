/**
 * The whole platform for fulfilment tests: the real runtime (platformLayer from the environment),
 * the real express server on a random port, the graphile-worker running every outbox handler and the
 * fulfilment tasks, Daraja played by the fake server (STK and B2C, checking the SecurityCredential),
 * a fake logistics partner, and WhatsApp webhook secrets. The environment is restored on close.
 */
import { generateKeyPairSync } from "node:crypto"
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"
import { makePlatformRuntime } from "../../composition/platform.js"
import type { PlatformRuntime } from "../../composition/platform.js"
import { startServer } from "../../composition/http.js"
import { startWorker } from "../../adapters/postgres/worker.js"
import type { RunningWorker } from "../../adapters/postgres/worker.js"
import { handlers, tasks } from "../../composition/event-handlers.js"
import type { PlatformServices } from "../../composition/platform.js"
import type { Sql } from "../../adapters/postgres/database.js"
import { insertUser } from "../../adapters/postgres/seed.js"
import { startFakeDaraja } from "../fakes/daraja-server.js"
import type { FakeDaraja } from "../fakes/daraja-server.js"
import { startFakePartner } from "../fakes/logistics-partner.js"
import type { FakePartner } from "../fakes/logistics-partner.js"
import { Effect, TestClock, TestContext } from "effect"
import { approvePayoutBatch } from "../../application/admin/approve-payout-batch.js"
import type { AdminActor } from "../../application/admin/admin-roles.js"
import { selectWeeklyPayoutBatch } from "../../application/payouts/select-payout-batch.js"
import { call } from "../api/support.js"

export const INITIATOR_PASSWORD = "Amana-B2C-init!"
export const WA_APP_SECRET = "wa-app-secret-test"
export const WA_VERIFY_TOKEN = "wa-verify-token-test"

export interface Platform {
  readonly url: string
  readonly runtime: PlatformRuntime
  readonly fake: FakeDaraja
  readonly partner: FakePartner
  readonly worker: RunningWorker
  readonly close: () => Promise<void>
}

/**
 * Daraja (STK and B2C) played by the fake server, which checks the B2C SecurityCredential against a
 * fresh key pair, and the settings that point the platform at it (sandbox mode).
 */
export const startFakeDarajaB2C = async () => {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" }
  })
  const fake = await startFakeDaraja({
    b2c: { shortcode: "600996", initiatorName: "amana_api", initiatorPassword: INITIATOR_PASSWORD, privateKeyPem: privateKey },
    b2cResultAfterMs: 20
  })
  const env = {
    MPESA_ENV: "sandbox",
    DARAJA_BASE_URL: fake.baseUrl,
    DARAJA_CONSUMER_KEY: "test-consumer-key",
    DARAJA_CONSUMER_SECRET: "test-consumer-secret",
    DARAJA_TIMEOUT_MS: "3000",
    DARAJA_B2C_SHORTCODE: "600996",
    DARAJA_INITIATOR_NAME: "amana_api",
    DARAJA_INITIATOR_PASSWORD: INITIATOR_PASSWORD,
    DARAJA_CERTIFICATE_PEM: publicKey
  }
  return { fake, env }
}

/** `env`: extra settings applied last (a test's fake WhatsApp or Instagram). */
export const startPlatform = async (db: { readonly sql: Sql; readonly url: string }, env: Readonly<Record<string, string>> = {}): Promise<Platform> => {
  const saved = { ...process.env }
  const { fake, env: darajaEnv } = await startFakeDarajaB2C()
  let url = ""
  const partner = await startFakePartner({ webhookUrl: () => `${url}/api/v1/fulfilment/partners/swiftboda/webhook` })
  Object.assign(process.env, {
    ...darajaEnv,
    WHATSAPP_APP_SECRET: WA_APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: WA_VERIFY_TOKEN,
    LOGISTICS_PARTNER_NAME: "swiftboda",
    LOGISTICS_PARTNER_URL: partner.baseUrl,
    LOGISTICS_PARTNER_API_KEY: partner.apiKey,
    LOGISTICS_PARTNER_WEBHOOK_SECRET: partner.secret,
    // the merchant's receiver in the webhook test listens on this machine, over http
    WEBHOOK_ALLOW_LOCAL_TARGETS: "1"
  })
  for (const k of ["WHATSAPP_TOKEN", "PUBLIC_BASE_URL", "MPESA_CALLBACK_SECRET", "DARAJA_CERTIFICATE_PATH"]) delete process.env[k]
  Object.assign(process.env, env)
  const runtime = makePlatformRuntime(db.sql)
  const server: Server = await startServer(runtime, { port: 0, production: false })
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  process.env["PUBLIC_BASE_URL"] = url
  const worker = await startWorker<PlatformServices>({
    connectionString: db.url,
    runtime,
    handlers,
    tasks,
    concurrency: 3,
    pollInterval: 100,
    heartbeatMs: 60_000
  })
  return {
    url,
    runtime,
    fake,
    partner,
    worker,
    close: async () => {
      await worker.stop()
      server.closeAllConnections()
      await new Promise<void>((done) => server.close(() => done()))
      await runtime.dispose()
      await fake.close()
      await partner.close()
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k]
      Object.assign(process.env, saved)
    }
  }
}

/** Polls until `probe` gives a value (not undefined/false), or fails after `timeoutMs`. */
export const eventually = async <A>(what: string, probe: () => Promise<A | undefined | false>, timeoutMs = 15_000): Promise<A> => {
  const until = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v !== undefined && v !== false) return v
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

export const orderState = async (sql: Sql, orderId: string) => String((await sql`select state from orders where id = ${orderId}`)[0]?.["state"])
export const waitForState = (sql: Sql, orderId: string, state: string) =>
  eventually(`order ${orderId} ${state}`, async () => (await orderState(sql, orderId)) === state)

/** A rider (user with the RIDER role) serving a zone. */
export const seedRider = async (sql: Sql, id: string, phone: string, zoneId: string, name: string) => {
  await insertUser(sql, { id, phone, roles: ["RIDER"], displayName: name })
  await sql`insert into riders (user_id, zone_id, status, availability) values (${id}, ${zoneId}, 'ACTIVE', 'ONLINE') on conflict do nothing`
  await sql`insert into rider_zones (rider_user_id, zone_id) values (${id}, ${zoneId}) on conflict do nothing`
}

/** The newest dev-inbox message of a template to a phone. */
export const inboxMessage = (api: { readonly url: string }, phone: string, template: string) =>
  eventually(`${template} to ${phone}`, async () => {
    const inbox = await call(api, "GET", `/dev/messages?to=${phone}&limit=100`)
    return (inbox.body.items as Array<{ template: string; params: Array<string>; text: string }>).find((m) => m.template === template)
  })

export const balance = async (sql: Sql, account: string, ref: string | null) =>
  Number(
    (await sql`select coalesce(sum(amount), 0)::bigint as b from ledger_entries where account = ${account} and account_ref is not distinct from ${ref}`)[0]![
      "b"
    ]
  )

/** The weekly payout batch selected as on `friday` (the cron's job), then approved by FINANCE; its id. */
export const selectAndApprove = async (api: { readonly runtime: PlatformRuntime }, finance: AdminActor, friday: number) => {
  const created = await api.runtime.runPromise(
    Effect.gen(function* () {
      yield* TestClock.setTime(friday)
      return yield* selectWeeklyPayoutBatch()
    }).pipe(Effect.provide(TestContext.TestContext))
  )
  if (created._tag !== "Some") throw new Error("no payout batch was selected")
  await api.runtime.runPromise(approvePayoutBatch(finance, { batchId: created.value.batchId, note: "weekly run" }))
  return created.value.batchId
}
