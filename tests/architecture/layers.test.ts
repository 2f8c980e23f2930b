/**
 * The layer rule must be able to fail: run dependency-cruiser with the project's own config on a
 * scratch tree that breaks it, and on one that keeps it.
 */
import { execFile } from "node:child_process"
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { promisify } from "node:util"
import { afterAll, describe, expect, it } from "vitest"

const run = promisify(execFile)
const root = resolve(import.meta.dirname, "../..")
const scratch = mkdtempSync(join(tmpdir(), "amana-layers-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const cruise = async (files: Record<string, string>) => {
  const dir = mkdtempSync(join(scratch, "t-"))
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"))
  cpSync(join(root, "tsconfig.json"), join(dir, "tsconfig.json"))
  cpSync(join(root, ".dependency-cruiser.cjs"), join(dir, ".dependency-cruiser.cjs"))
  cpSync(join(root, "package.json"), join(dir, "package.json"))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  const bin = join(root, "node_modules/.bin/depcruise")
  const layers = ["domain", "application", "adapters", "backoffice", "composition", "db"].filter((l) => Object.keys(files).some((f) => f.startsWith(`${l}/`)))
  try {
    const { stdout, stderr } = await run(bin, [...layers, "--config", ".dependency-cruiser.cjs"], { cwd: dir })
    return { ok: true, output: stdout + stderr }
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string }
    return { ok: false, output: `${err.stdout ?? ""}${err.stderr ?? ""}` || String(e) }
  }
}

describe("layer rule (dependency-cruiser)", () => {
  it("fails when domain/ imports a node builtin", async () => {
    const r = await cruise({ "domain/a.ts": 'import { readFileSync } from "node:fs"\nexport const x = readFileSync\n' })
    expect(r.ok).toBe(false)
    expect(r.output).toMatch(/domain-imports-only-effect/)
  })

  it("fails when domain/ imports application/ or an I/O library", async () => {
    const r = await cruise({
      "application/u.ts": "export const u = 1\n",
      "domain/a.ts": 'import { u } from "../application/u.js"\nimport postgres from "postgres"\nexport const x = [u, postgres]\n'
    })
    expect(r.ok).toBe(false)
    expect(r.output).toMatch(/domain-imports-only-effect: domain\/a\.ts → application\/u\.ts/)
    expect(r.output).toMatch(/domain-imports-only-effect: domain\/a\.ts → node_modules\/postgres/)
  })

  it("fails when application/ touches an I/O library or an adapter", async () => {
    const r = await cruise({
      "adapters/db.ts": "export const db = 1\n",
      "application/a.ts": 'import express from "express"\nimport { db } from "../adapters/db.js"\nexport const x = [express, db]\n'
    })
    expect(r.ok).toBe(false)
    expect(r.output).toMatch(/application-imports-domain-and-effect: application\/a\.ts → adapters\/db\.ts/)
    expect(r.output).toMatch(/application-imports-domain-and-effect: application\/a\.ts → node_modules\/express/)
  })

  it("fails when anything outside adapters/ and backoffice/ touches an I/O library", async () => {
    const r = await cruise({ "db/seed.ts": 'import postgres from "postgres"\nexport const x = postgres\n' })
    expect(r.ok).toBe(false)
    expect(r.output).toMatch(/io-libraries-only-in-adapters: db\/seed\.ts → node_modules\/postgres/)
  })

  it("fails when an adapter imports another adapter, or the back-office imports an adapter, outside composition/", async () => {
    const r = await cruise({
      "adapters/postgres/cart-store.ts": "export const CartStoreLive = 1\n",
      "adapters/http/routes/cart.ts": 'import { CartStoreLive } from "../../postgres/cart-store.js"\nexport const x = CartStoreLive\n',
      "backoffice/mount.ts": 'import { CartStoreLive } from "../adapters/postgres/cart-store.js"\nexport const y = CartStoreLive\n'
    })
    expect(r.ok).toBe(false)
    expect(r.output).toMatch(/adapters-meet-only-in-composition: adapters\/http\/routes\/cart\.ts → adapters\/postgres\/cart-store\.ts/)
    expect(r.output).toMatch(/adapters-meet-only-in-composition: backoffice\/mount\.ts → adapters\/postgres\/cart-store\.ts/)
  })

  it("fails when an adapter imports a value (not only a type) from composition/", async () => {
    const r = await cruise({
      "composition/platform.ts": "export const makePlatformRuntime = () => 1\nexport type PlatformRuntime = number\n",
      "adapters/http/server.ts": 'import { makePlatformRuntime } from "../../composition/platform.js"\nexport const x = makePlatformRuntime\n'
    })
    expect(r.ok).toBe(false)
    expect(r.output).toMatch(/adapters-take-only-types-from-composition: adapters\/http\/server\.ts → composition\/platform\.ts/)
  })

  it("passes when adapters meet in composition/ and share only the named protocol modules and the runtime's type", async () => {
    const r = await cruise({
      "adapters/daraja/callbacks.ts": "export const CALLBACK_ACK = 1\n",
      "adapters/postgres/cart-store.ts": "export const CartStoreLive = 1\n",
      "composition/platform.ts":
        'import { CartStoreLive } from "../adapters/postgres/cart-store.js"\nexport const layer = CartStoreLive\nexport type PlatformRuntime = number\n',
      "composition/main.ts": 'import { serve } from "../adapters/http/server.js"\nimport { layer } from "./platform.js"\nexport const m = [serve, layer]\n',
      "adapters/http/server.ts":
        'import type { PlatformRuntime } from "../../composition/platform.js"\nimport { CALLBACK_ACK } from "../daraja/callbacks.js"\nexport const serve = (r: PlatformRuntime) => [r, CALLBACK_ACK]\n'
    })
    expect(r.output).toMatch(/no dependency violations found/)
    expect(r.ok).toBe(true)
  })

  it("passes for a tree that keeps the rule", async () => {
    const r = await cruise({
      "domain/m.ts": 'import { Schema } from "effect"\nexport const S = Schema.String\n',
      "application/u.ts": 'import { Effect } from "effect"\nimport { S } from "../domain/m.js"\nexport const u = Effect.succeed(S)\n',
      "adapters/a.ts": 'import postgres from "postgres"\nimport { u } from "../application/u.js"\nexport const a = [postgres, u]\n'
    })
    expect(r.output).toMatch(/no dependency violations found/)
    expect(r.ok).toBe(true)
  })
})
