/**
 * The Storage port's adapters: local disk (the default) and S3-compatible (SigV4-signed PutObject
 * and GetObject, against a fake S3 that verifies every signature), and the API storing uploads in
 * the bucket when S3_* is configured.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Option, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Storage } from "../../application/ports/storage.js"
import { localDiskStorage } from "../../adapters/storage/local-disk.js"
import { s3Storage, sigV4Authorization } from "../../adapters/storage/s3.js"
import { insertUser } from "../../adapters/postgres/seed.js"
import { startFakeS3 } from "../fakes/s3-server.js"
import type { FakeS3 } from "../fakes/s3-server.js"
import { useTestDatabase } from "../support/test-database.js"
import { jpegWithExif } from "../support/upload-files.js"
import { call, randomPhone, sessionFor, startApi } from "../api/support.js"

const db = useTestDatabase()
let s3: FakeS3
let dir = ""

beforeAll(async () => {
  s3 = await startFakeS3()
  dir = await mkdtemp(join(tmpdir(), "amana-storage-"))
})
afterAll(async () => {
  await s3?.close()
  await rm(dir, { recursive: true, force: true })
})

const put = (key: string, bytes: Uint8Array, type = "image/png") => Effect.flatMap(Storage, (s) => s.put(key, bytes, type))
const get = (key: string) => Effect.flatMap(Storage, (s) => s.get(key))

describe("AWS Signature Version 4", () => {
  it("reproduces AWS's documented example (GET /test.txt from examplebucket, Range bytes=0-9)", () => {
    const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    expect(
      sigV4Authorization({
        method: "GET",
        path: "/test.txt",
        headers: { Host: "examplebucket.s3.amazonaws.com", Range: "bytes=0-9", "x-amz-content-sha256": emptyHash, "x-amz-date": "20130524T000000Z" },
        payloadHash: emptyHash,
        amzDate: "20130524T000000Z",
        region: "us-east-1",
        service: "s3",
        accessKeyId: "AKIAIOSFODNN7EXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
      })
    ).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )
  })
})

describe("S3-compatible storage", () => {
  const layer = () =>
    s3Storage({ endpoint: s3.endpoint, bucket: s3.bucket, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: Redacted.make(s3.secretAccessKey) })

  it("puts and gets an object, signed (the fake verifies every request); an unknown key is None", async () => {
    const bytes = new Uint8Array([1, 2, 3, 0, 255])
    const got = await Effect.runPromise(
      Effect.gen(function* () {
        yield* put("uploads/upl_01abc", bytes)
        return { found: yield* get("uploads/upl_01abc"), missing: yield* get("uploads/upl_none") }
      }).pipe(Effect.provide(layer()))
    )
    expect(Option.getOrThrow(got.found)).toEqual(bytes)
    expect(Option.isNone(got.missing)).toBe(true)
    expect(s3.objects.get("uploads/upl_01abc")).toMatchObject({ contentType: "image/png" })
    expect(s3.requests.slice(-3)).toEqual([
      { method: "PUT", path: `/${s3.bucket}/uploads/upl_01abc`, verified: true },
      { method: "GET", path: `/${s3.bucket}/uploads/upl_01abc`, verified: true },
      { method: "GET", path: `/${s3.bucket}/uploads/upl_none`, verified: true }
    ])
  })

  it("a wrong secret is refused by the server and is StorageUnavailable, never a silent success", async () => {
    const wrong = s3Storage({
      endpoint: s3.endpoint,
      bucket: s3.bucket,
      region: s3.region,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: Redacted.make("not-it")
    })
    const exit = await Effect.runPromiseExit(put("uploads/upl_wrong", new Uint8Array([1])).pipe(Effect.provide(wrong)))
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("StorageUnavailable")
    expect(s3.objects.has("uploads/upl_wrong")).toBe(false)
    expect(s3.requests.at(-1)).toMatchObject({ verified: false })
  })

  it("the API stores uploads in the bucket when S3_* is set, and reads them back from it", async () => {
    const env = {
      S3_BUCKET: s3.bucket,
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey
    }
    Object.assign(process.env, env)
    const api = await startApi(db.sql)
    try {
      const id = `usr_s3_${Date.now()}`
      await insertUser(db.sql, { id, phone: randomPhone() })
      const token = await sessionFor(db.sql, id)
      const up = await call(api, "POST", "/api/v1/uploads", { token, raw: jpegWithExif(), headers: { "content-type": "image/jpeg" } })
      expect(up.status).toBe(201)
      expect(s3.objects.get(`uploads/${up.body.id}`)).toMatchObject({ contentType: "image/jpeg" })
      const back = await fetch(`${api.url}/api/v1/uploads/${up.body.id}`, { headers: { authorization: `Bearer ${token}` } })
      expect(back.status).toBe(200)
      expect(new Uint8Array(await back.arrayBuffer())).toEqual(new Uint8Array(s3.objects.get(`uploads/${up.body.id}`)!.body))
    } finally {
      await api.close()
      for (const k of Object.keys(env)) delete process.env[k]
    }
  })
})

describe("local disk storage", () => {
  it("round-trips bytes under its root; an unknown key is None; a key that could leave the root is refused", async () => {
    const layer = localDiskStorage(dir)
    const bytes = new Uint8Array([9, 8, 7])
    const found = await Effect.runPromise(Effect.zipRight(put("uploads/upl_disk", bytes), get("uploads/upl_disk")).pipe(Effect.provide(layer)))
    expect(Option.getOrThrow(found)).toEqual(bytes)
    expect(Option.isNone(await Effect.runPromise(get("uploads/upl_other").pipe(Effect.provide(layer))))).toBe(true)
    for (const bad of ["../escape", "/etc/passwd", "uploads/../../x", "UP"])
      expect(Exit.isFailure(await Effect.runPromiseExit(put(bad, bytes).pipe(Effect.provide(layer)))), bad).toBe(true)
    expect(await readdir(join(dir, "uploads"))).toEqual(["upl_disk"])
  })
})
