/**
 * Storage in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, Scaleway, ...): PutObject and
 * GetObject over HTTPS, path-style (`<endpoint>/<bucket>/<key>`, which every S3-compatible service
 * accepts), signed with AWS Signature Version 4 (header form, signed payload) written here with
 * node:crypto: two requests do not justify an SDK. Configured by S3_ENDPOINT, S3_BUCKET,
 * S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY and S3_REGION (composition/storage-from-env.ts).
 */
import { createHash, createHmac } from "node:crypto"
import { Effect, Layer, Option, Redacted } from "effect"
import { Storage, StorageUnavailable } from "../../application/ports/storage.js"

export interface S3Config {
  /** e.g. https://s3.eu-west-1.amazonaws.com or http://127.0.0.1:9000 */
  readonly endpoint: string
  readonly bucket: string
  readonly region: string
  readonly accessKeyId: string
  readonly secretAccessKey: Redacted.Redacted<string>
  readonly timeoutMs?: number
}

const sha256Hex = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex")
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest()

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ (and "/" in a path). */
export const uriEncode = (text: string, keepSlash: boolean) =>
  [...new TextEncoder().encode(text)]
    .map((b) => {
      const c = String.fromCharCode(b)
      return /[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === "/") ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`
    })
    .join("")

export interface SignInput {
  readonly method: string
  /** the URI-encoded path, as sent */
  readonly path: string
  /** lower-case names; host and x-amz-date and x-amz-content-sha256 included */
  readonly headers: Readonly<Record<string, string>>
  readonly payloadHash: string
  readonly amzDate: string
  readonly region: string
  readonly service: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
}

/** The Authorization header of a SigV4-signed request (no query string: we never send one). */
export const sigV4Authorization = (i: SignInput): string => {
  const names = Object.keys(i.headers)
    .map((n) => n.toLowerCase())
    .sort()
  const lower = Object.fromEntries(Object.entries(i.headers).map(([k, v]) => [k.toLowerCase(), v]))
  const canonicalHeaders = names.map((n) => `${n}:${lower[n]!.trim().replace(/\s+/g, " ")}\n`).join("")
  const signedHeaders = names.join(";")
  const canonicalRequest = [i.method, i.path, "", canonicalHeaders, signedHeaders, i.payloadHash].join("\n")
  const date = i.amzDate.slice(0, 8)
  const scope = `${date}/${i.region}/${i.service}/aws4_request`
  const stringToSign = ["AWS4-HMAC-SHA256", i.amzDate, scope, sha256Hex(canonicalRequest)].join("\n")
  const kDate = hmac(`AWS4${i.secretAccessKey}`, date)
  const kSigning = hmac(hmac(hmac(kDate, i.region), i.service), "aws4_request")
  const signature = createHmac("sha256", kSigning).update(stringToSign).digest("hex")
  return `AWS4-HMAC-SHA256 Credential=${i.accessKeyId}/${scope},SignedHeaders=${signedHeaders},Signature=${signature}`
}

const amzDateOf = (now: Date) =>
  now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "")

const failed = (what: string) => (e: unknown) => new StorageUnavailable({ detail: `${what}: ${e instanceof Error ? e.message : String(e)}` })

export const s3Storage = (config: S3Config) => {
  const base = new URL(config.endpoint)
  const prefix = base.pathname.replace(/\/+$/, "")
  const request = (method: "PUT" | "GET", key: string, body?: Uint8Array, contentType?: string) => {
    const path = `${prefix}/${uriEncode(config.bucket, false)}/${uriEncode(key, true)}`
    const payloadHash = sha256Hex(body ?? "")
    const amzDate = amzDateOf(new Date())
    const headers: Record<string, string> = {
      host: base.host,
      "x-amz-content-sha256": payloadHash,
      "x-amz-date": amzDate,
      ...(contentType !== undefined && { "content-type": contentType })
    }
    const authorization = sigV4Authorization({
      method,
      path,
      headers,
      payloadHash,
      amzDate,
      region: config.region,
      service: "s3",
      accessKeyId: config.accessKeyId,
      secretAccessKey: Redacted.value(config.secretAccessKey)
    })
    const { host: _host, ...sent } = headers
    return fetch(`${base.protocol}//${base.host}${path}`, {
      method,
      headers: { ...sent, authorization },
      ...(body !== undefined && { body }),
      redirect: "error",
      signal: AbortSignal.timeout(config.timeoutMs ?? 10_000)
    })
  }
  return Layer.succeed(Storage, {
    put: (key, bytes, contentType) =>
      Effect.tryPromise({
        try: async () => {
          const res = await request("PUT", key, bytes, contentType)
          const text = await res.text()
          if (!res.ok) throw new Error(`PutObject answered ${res.status}: ${text.slice(0, 300)}`)
        },
        catch: failed(`storing ${key}`)
      }),
    get: (key) =>
      Effect.tryPromise({
        try: async () => {
          const res = await request("GET", key)
          if (res.status === 404) {
            await res.arrayBuffer()
            return Option.none()
          }
          if (!res.ok) throw new Error(`GetObject answered ${res.status}: ${(await res.text()).slice(0, 300)}`)
          return Option.some(new Uint8Array(await res.arrayBuffer()))
        },
        catch: failed(`reading ${key}`)
      })
  })
}
