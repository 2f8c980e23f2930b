/**
 * Issue 11 item 7: secrets are read once, through Effect Config as Redacted, by the adapter that owns
 * each. A world-facing deployment (NODE_ENV or MPESA_ENV production) refuses to start with a missing,
 * empty, short or well-known secret, naming the variable; an empty webhook secret is refused anywhere
 * (a signature made with the empty key would verify).
 */
import { createHmac, randomBytes } from "node:crypto"
import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import type { Server } from "node:http"
import { ConfigProvider, Effect, Exit, Redacted } from "effect"
import type { Config } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { B2CCallbackUrls } from "../../application/payouts-execution/disbursement.port.js"
import { MpesaCallbackSecretConfig } from "../../adapters/daraja/b2c-callback-urls.js"
import { CartTokenSecretConfig } from "../../adapters/http/config.js"
import { startServer } from "../../composition/http.js"
import { makePlatformRuntime } from "../../composition/platform.js"
import type { PlatformRuntime } from "../../composition/platform.js"
import { PartnerWebhookConfigFromEnv } from "../../adapters/logistics-partner/webhook.js"
import { HandoverCodeSecretConfig } from "../../adapters/system/handover-codes.js"
import { isWellKnownSecret } from "../../adapters/system/secrets.js"
import { AuditAnchorKeyConfig } from "../../adapters/postgres/admin-store.js"
import { WhatsAppWebhookConfig } from "../../adapters/whatsapp/webhook.js"
import { AdminSessionSecretConfig } from "../../backoffice/session-secret.js"
import { TokenSealKeyConfig } from "../../adapters/system/secret-box.js"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase()
const strong = () => randomBytes(32).toString("hex")

const read = <A>(config: Config.Config<A>, env: Record<string, string>) =>
  Effect.runPromiseExit(Effect.withConfigProvider(config, ConfigProvider.fromMap(new Map(Object.entries(env)))))
const failure = (exit: Exit.Exit<unknown, unknown>) => (Exit.isFailure(exit) ? String(exit.cause) : "started")

const owned: ReadonlyArray<[string, Config.Config<Redacted.Redacted<string>>]> = [
  ["MPESA_CALLBACK_SECRET", MpesaCallbackSecretConfig],
  ["CART_TOKEN_SECRET", CartTokenSecretConfig],
  ["HANDOVER_CODE_SECRET", HandoverCodeSecretConfig],
  ["ADMIN_SESSION_SECRET", AdminSessionSecretConfig],
  ["AUDIT_ANCHOR_KEY", AuditAnchorKeyConfig],
  ["TOKEN_SEAL_KEY", TokenSealKeyConfig]
]

describe("each secret's rule", () => {
  for (const [name, config] of owned) {
    it(`${name}: a world-facing deployment refuses it missing, empty, short or well-known, naming it and never printing it`, async () => {
      for (const production of [{ NODE_ENV: "production" }, { MPESA_ENV: "production" }]) {
        expect(failure(await read(config, production))).toContain(`${name} must be set`)
        expect(failure(await read(config, { ...production, [name]: "" }))).toContain(`${name} is set but empty`)
        expect(failure(await read(config, { ...production, [name]: "s3cr3t-but-short" }))).toContain(`${name} is too short`)
        for (const known of ["changeme".repeat(5), "a".repeat(48), "dev-callback-secret-dev-callback-secret", "secret-secret-secret-secret-secret-1"]) {
          const refused = failure(await read(config, { ...production, [name]: known }))
          expect(refused).toContain(`${name} is a well-known value`)
          expect(refused).not.toContain(known)
        }
        const good = strong()
        const exit = await read(config, { ...production, [name]: good })
        expect(Exit.isSuccess(exit) && Redacted.value(exit.value)).toBe(good)
        expect(Exit.isSuccess(exit) && String(exit.value)).not.toContain(good)
      }
    })

    it(`${name}: in development an unset one gets its stand-in, an empty one is still refused`, async () => {
      expect(Exit.isSuccess(await read(config, { MPESA_ENV: "sandbox" }))).toBe(true)
      expect(Exit.isSuccess(await read(config, { [name]: "short-is-fine-here" }))).toBe(true)
      expect(failure(await read(config, { [name]: "  " }))).toContain(`${name} is set but empty`)
    })
  }

  it("webhook secrets: unset switches the receiver off; set but empty is refused everywhere, naming the variable", async () => {
    expect(failure(await read(WhatsAppWebhookConfig, { WHATSAPP_APP_SECRET: "" }))).toContain("WHATSAPP_APP_SECRET is set but empty")
    expect(failure(await read(WhatsAppWebhookConfig, { WHATSAPP_VERIFY_TOKEN: "" }))).toContain("WHATSAPP_VERIFY_TOKEN is set but empty")
    expect(failure(await read(PartnerWebhookConfigFromEnv, { LOGISTICS_PARTNER_WEBHOOK_SECRET: "" }))).toContain(
      "LOGISTICS_PARTNER_WEBHOOK_SECRET is set but empty"
    )
    expect(failure(await read(WhatsAppWebhookConfig, { NODE_ENV: "production", WHATSAPP_APP_SECRET: "0123456789" }))).toContain(
      "WHATSAPP_APP_SECRET is too short"
    )
    const off = await read(WhatsAppWebhookConfig, {})
    expect(Exit.isSuccess(off) && off.value.appSecret._tag).toBe("None")
  })

  it("well-known means guessable, not merely containing a word", () => {
    expect(["password123password123password123", "abababababababababababababababab", "test-test-test-test-test-test-test"].every(isWellKnownSecret)).toBe(true)
    expect([strong(), `test-${strong()}`, "correct-horse-battery-staple-amana-2026"].some(isWellKnownSecret)).toBe(false)
  })
})

describe("where secrets are read", () => {
  it("no source file reads a secret from process.env: each is read through Effect Config (Redacted), by the adapter that owns it", async () => {
    const files: Array<string> = []
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) await walk(join(dir, entry.name))
        else if (/\.(ts|tsx|js|jsx)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) files.push(join(dir, entry.name))
      }
    }
    for (const dir of ["domain", "application", "adapters", "backoffice", "composition"]) await walk(dir)
    expect(files.length).toBeGreaterThan(50)
    const raw = /process\.env(?:\[\s*["'`]([A-Z0-9_]+)["'`]\s*\]|\.([A-Z0-9_]+))/g
    const secretName = /SECRET|TOKEN|PASSKEY|PASSWORD|_KEY$|ANCHOR/
    const reads: Array<string> = []
    for (const file of files) {
      for (const m of (await readFile(file, "utf8")).matchAll(raw)) {
        const name = m[1] ?? m[2] ?? ""
        if (secretName.test(name)) reads.push(`${file}: ${name}`)
      }
    }
    expect(reads).toEqual([])
  })
})

describe("start-up and the routes", () => {
  const started: Array<{ server?: Server; runtime: PlatformRuntime }> = []
  afterAll(async () => {
    for (const s of started) {
      s.server?.closeAllConnections()
      await new Promise<void>((done) => (s.server ? s.server.close(() => done()) : done()))
      await s.runtime.dispose()
    }
  })
  const startWith = async (env: Record<string, string | undefined>, production = false) => {
    const saved = { ...process.env }
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
    const runtime = makePlatformRuntime(db.sql)
    const entry: { server?: Server; runtime: PlatformRuntime } = { runtime }
    started.push(entry)
    try {
      entry.server = await startServer(runtime, { port: 0, production })
      return { ok: true as const, server: entry.server, runtime }
    } catch (e) {
      return { ok: false as const, error: String(e) }
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k]
      Object.assign(process.env, saved)
    }
  }
  const base = {
    MPESA_ENV: "simulator",
    WHATSAPP_TOKEN: undefined,
    WHATSAPP_APP_SECRET: undefined,
    WHATSAPP_VERIFY_TOKEN: undefined,
    LOGISTICS_PARTNER_WEBHOOK_SECRET: undefined
  }
  const productionSecrets = {
    NODE_ENV: "production",
    MPESA_CALLBACK_SECRET: strong(),
    CART_TOKEN_SECRET: strong(),
    HANDOVER_CODE_SECRET: strong(),
    ADMIN_SESSION_SECRET: strong(),
    AUDIT_ANCHOR_KEY: strong(),
    TOKEN_SEAL_KEY: strong()
  }

  it("production refuses to start with a weak secret, naming it; with strong ones it starts", async () => {
    for (const name of Object.keys(productionSecrets).filter((k) => k !== "NODE_ENV")) {
      const r = await startWith({ ...base, ...productionSecrets, [name]: "changeme" }, true)
      expect([name, r.ok]).toEqual([name, false])
      expect(!r.ok && r.error).toContain(name)
    }
    expect((await startWith({ ...base, ...productionSecrets }, true)).ok).toBe(true)
  })

  const noSecrets = {
    MPESA_CALLBACK_SECRET: undefined,
    CART_TOKEN_SECRET: undefined,
    HANDOVER_CODE_SECRET: undefined,
    ADMIN_SESSION_SECRET: undefined,
    AUDIT_ANCHOR_KEY: undefined,
    TOKEN_SEAL_KEY: undefined,
    NODE_ENV: undefined
  }

  it("the simulator run with no secret set at all (`npm start` as the README says) starts on its development stand-ins and serves", async () => {
    const r = await startWith({ ...base, ...noSecrets })
    if (!r.ok) throw new Error(r.error)
    const port = (r.server.address() as { port: number }).port
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200)
    expect((await fetch(`http://127.0.0.1:${port}/admin/login`)).status).toBe(200)
  })

  it("real Daraja (MPESA_ENV=production, NODE_ENV unset) is world-facing: a missing or weak secret stops the start, naming it", async () => {
    const strongOnes = {
      MPESA_CALLBACK_SECRET: strong(),
      CART_TOKEN_SECRET: strong(),
      HANDOVER_CODE_SECRET: strong(),
      ADMIN_SESSION_SECRET: strong(),
      AUDIT_ANCHOR_KEY: strong(),
      TOKEN_SEAL_KEY: strong()
    }
    // what real Daraja needs besides our secrets (never contacted: the start stops before)
    const realDaraja = {
      MPESA_ENV: "production",
      DARAJA_CONSUMER_KEY: strong(),
      DARAJA_CONSUMER_SECRET: strong(),
      DARAJA_SHORTCODE: "600000",
      DARAJA_PASSKEY: strong()
    }
    const started = await startWith({ ...base, ...noSecrets, ...realDaraja, ...strongOnes })
    expect(started.ok ? "started" : started.error).toBe("started")
    for (const name of Object.keys(strongOnes)) {
      for (const weak of [undefined, "changeme", "dev-callback-secret"]) {
        const r = await startWith({ ...base, ...noSecrets, ...realDaraja, ...strongOnes, [name]: weak })
        expect([name, weak, r.ok]).toEqual([name, weak, false])
        expect(!r.ok && r.error).toContain(name)
      }
    }
  })

  it("an empty WhatsApp app secret stops the start instead of accepting requests signed with the empty key", async () => {
    const r = await startWith({ ...base, WHATSAPP_APP_SECRET: "" })
    expect(r.ok).toBe(false)
    expect(!r.ok && r.error).toContain("WHATSAPP_APP_SECRET")
  })

  it("the M-Pesa callback secret is read once: changing the environment later changes neither the B2C URLs nor what the callback routes accept", async () => {
    const first = strong()
    const r = await startWith({ ...base, MPESA_CALLBACK_SECRET: first })
    if (!r.ok) throw new Error(r.error)
    const later = strong()
    process.env["MPESA_CALLBACK_SECRET"] = later
    try {
      const urls = await r.runtime.runPromise(Effect.flatMap(B2CCallbackUrls, (u) => u.urlsFor("B2C", "a-token")))
      expect(urls.resultUrl).toContain(first)
      const port = (r.server.address() as { port: number }).port
      const post = (secret: string) =>
        fetch(`http://127.0.0.1:${port}/api/v1/payments/mpesa/b2c/result/${secret}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}"
        })
      expect((await post(later)).status).toBe(404)
      expect((await post(first)).status).toBe(200)
      // and the signature check on WhatsApp stays off without a secret (unset: 503, not "anything goes")
      const body = "{}"
      const wa = await fetch(`http://127.0.0.1:${port}/api/v1/webhooks/whatsapp`, {
        method: "POST",
        headers: { "x-hub-signature-256": `sha256=${createHmac("sha256", "").update(body).digest("hex")}` },
        body
      })
      expect(wa.status).toBe(503)
    } finally {
      delete process.env["MPESA_CALLBACK_SECRET"]
    }
  })
})
