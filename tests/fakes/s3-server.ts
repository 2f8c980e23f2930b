/**
 * A fake S3-compatible server: PutObject and GetObject, path-style (`/<bucket>/<key>`), that
 * refuses any request whose AWS Signature Version 4 does not verify (403 SignatureDoesNotMatch, as
 * S3 answers) or whose x-amz-content-sha256 is not the body's hash. The verification is written
 * here from the specification, independently of the adapter's signer.
 */
import { createHash, createHmac } from "node:crypto"
import { createServer } from "node:http"
import type { IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"

export interface FakeS3 {
  readonly endpoint: string
  readonly bucket: string
  readonly region: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly objects: Map<string, { readonly body: Buffer; readonly contentType: string | undefined }>
  /** every request and whether its signature verified */
  readonly requests: Array<{ readonly method: string; readonly path: string; readonly verified: boolean }>
  readonly close: () => Promise<void>
}

const hex = (data: Buffer | string) => createHash("sha256").update(data).digest("hex")
const mac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest()

const verify = (req: IncomingMessage, body: Buffer, secretAccessKey: string, accessKeyId: string, region: string): string | undefined => {
  const auth = req.headers.authorization ?? ""
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(auth)
  if (!m) return "malformed Authorization"
  const [, keyId, date, scopeRegion, signedHeaders, signature] = m as unknown as [string, string, string, string, string, string]
  if (keyId !== accessKeyId) return "InvalidAccessKeyId"
  if (scopeRegion !== region) return "wrong region"
  const amzDate = String(req.headers["x-amz-date"] ?? "")
  if (!amzDate.startsWith(date)) return "x-amz-date does not match the credential scope"
  const at = Date.UTC(
    +amzDate.slice(0, 4),
    +amzDate.slice(4, 6) - 1,
    +amzDate.slice(6, 8),
    +amzDate.slice(9, 11),
    +amzDate.slice(11, 13),
    +amzDate.slice(13, 15)
  )
  if (Math.abs(Date.now() - at) > 15 * 60_000) return "RequestTimeTooSkewed"
  const contentHash = String(req.headers["x-amz-content-sha256"] ?? "")
  if (contentHash !== hex(body)) return "XAmzContentSHA256Mismatch"
  const names = signedHeaders.split(";")
  if (!names.includes("host") || !names.includes("x-amz-date") || !names.includes("x-amz-content-sha256")) return "required headers not signed"
  const canonicalHeaders = names
    .map(
      (n) =>
        `${n}:${String(req.headers[n] ?? "")
          .trim()
          .replace(/ +/g, " ")}\n`
    )
    .join("")
  const [path, query = ""] = (req.url ?? "/").split("?") as [string, string?]
  const canonical = [req.method, path, query, canonicalHeaders, signedHeaders, contentHash].join("\n")
  const toSign = ["AWS4-HMAC-SHA256", amzDate, `${date}/${region}/s3/aws4_request`, hex(canonical)].join("\n")
  const key = mac(mac(mac(mac(`AWS4${secretAccessKey}`, date), region), "s3"), "aws4_request")
  return createHmac("sha256", key).update(toSign).digest("hex") === signature ? undefined : "SignatureDoesNotMatch"
}

const xmlError = (code: string) => `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`

export const startFakeS3 = async (
  options: { readonly bucket?: string; readonly region?: string; readonly accessKeyId?: string; readonly secretAccessKey?: string } = {}
): Promise<FakeS3> => {
  const bucket = options.bucket ?? "amana-test"
  const region = options.region ?? "eu-west-1"
  const accessKeyId = options.accessKeyId ?? "AKIAFAKEFAKEFAKE"
  const secretAccessKey = options.secretAccessKey ?? "fake/secret+key/for-the-tests"
  const objects = new Map<string, { body: Buffer; contentType: string | undefined }>()
  const requests: Array<{ method: string; path: string; verified: boolean }> = []
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const body = Buffer.concat(chunks)
      const problem = verify(req, body, secretAccessKey, accessKeyId, region)
      const path = (req.url ?? "/").split("?")[0]!
      requests.push({ method: req.method ?? "", path, verified: problem === undefined })
      if (problem !== undefined) return void res.writeHead(403, { "content-type": "application/xml" }).end(xmlError(problem.split(" ")[0]!))
      const prefix = `/${bucket}/`
      if (!path.startsWith(prefix)) return void res.writeHead(404, { "content-type": "application/xml" }).end(xmlError("NoSuchBucket"))
      const key = decodeURIComponent(path.slice(prefix.length))
      if (req.method === "PUT") {
        objects.set(key, { body, contentType: req.headers["content-type"] })
        return void res.writeHead(200, { etag: `"${createHash("md5").update(body).digest("hex")}"` }).end()
      }
      if (req.method === "GET") {
        const found = objects.get(key)
        if (!found) return void res.writeHead(404, { "content-type": "application/xml" }).end(xmlError("NoSuchKey"))
        return void res.writeHead(200, { "content-type": found.contentType ?? "binary/octet-stream" }).end(found.body)
      }
      res.writeHead(405).end()
    })
  })
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    region,
    accessKeyId,
    secretAccessKey,
    objects,
    requests,
    close: () => new Promise<void>((ok) => server.close(() => ok()))
  }
}
