/**
 * A fake Instagram Send API (shared/protocols/META.md) on a random local port: `POST
 * /<version>/<IG account id>/messages` with the account's Bearer token and exactly
 * `{"recipient":{"id"},"message":{"text"}}`; answers `{"recipient_id","message_id"}`, or the next
 * scripted Graph error envelope. Records every request.
 */
import { randomBytes } from "node:crypto"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

export interface SentDirectMessage {
  readonly account: string
  readonly recipient: string
  readonly text: string
  readonly mid: string
}

export type InstagramFailure = "rate_limit" | "outside_window" | "server_error"

const FAILURES: Record<InstagramFailure, { status: number; code: number; message: string }> = {
  rate_limit: { status: 400, code: 4, message: "(#4) Application request limit reached" },
  outside_window: { status: 400, code: 10, message: "(#10) This message is sent outside of allowed window." },
  server_error: { status: 500, code: 2, message: "An unexpected error has occurred. Please retry your request later." }
}

export interface FakeInstagram {
  readonly baseUrl: string
  readonly token: string
  readonly account: string
  readonly sent: ReadonlyArray<SentDirectMessage>
  readonly refused: ReadonlyArray<{ readonly status: number; readonly body: unknown }>
  failNext(failure: InstagramFailure): void
  close(): Promise<void>
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)
const graphError = (code: number, message: string) => ({ error: { message, type: "OAuthException", code, fbtrace_id: `A${randomBytes(8).toString("hex")}` } })

export const startFakeInstagram = async (options: { readonly account?: string } = {}): Promise<FakeInstagram> => {
  const token = `ig-token-${randomBytes(6).toString("hex")}`
  const account = options.account ?? "17841400000000001"
  const sent: Array<SentDirectMessage> = []
  const refused: Array<{ status: number; body: unknown }> = []
  const script: Array<InstagramFailure> = []
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const answer = (status: number, json: unknown) => {
        if (status !== 200) refused.push({ status, body: json })
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json))
      }
      let body: unknown
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"))
      } catch {
        return answer(400, graphError(100, "(#100) body is not JSON"))
      }
      if (req.headers.authorization !== `Bearer ${token}`) return answer(401, graphError(190, "Invalid OAuth access token"))
      if (req.method !== "POST" || req.url !== `/v21.0/${account}/messages`) return answer(400, graphError(100, `Unsupported request to ${req.url}`))
      const recipient = isRecord(body) && isRecord(body["recipient"]) ? body["recipient"]["id"] : undefined
      const message = isRecord(body) && isRecord(body["message"]) ? body["message"] : undefined
      const text = message?.["text"]
      const exact = isRecord(body) && Object.keys(body).sort().join() === "message,recipient" && message !== undefined && Object.keys(message).join() === "text"
      if (!exact || typeof recipient !== "string" || typeof text !== "string" || text === "")
        return answer(400, graphError(100, "(#100) recipient.id and message.text are required"))
      const failure = script.shift()
      if (failure !== undefined) return answer(FAILURES[failure].status, graphError(FAILURES[failure].code, FAILURES[failure].message))
      const mid = `aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOj${randomBytes(12).toString("hex")}`
      sent.push({ account, recipient, text, mid })
      answer(200, { recipient_id: recipient, message_id: mid })
    })
  })
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  const port = (server.address() as AddressInfo).port
  return {
    baseUrl: `http://127.0.0.1:${port}/v21.0`,
    token,
    account,
    sent,
    refused,
    failNext: (f) => void script.push(f),
    close: () => new Promise<void>((done) => server.close(() => done()))
  }
}
