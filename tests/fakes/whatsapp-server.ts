/**
 * A fake WhatsApp Cloud API (shared/protocols/WHATSAPP.md) on a random local port. It checks the
 * Bearer token and the request body exactly as documented, answers the documented 200 reply with a
 * fresh wamid, records every request, and can be told to answer the next requests with any
 * documented error (documented envelope and HTTP status) or to drop the connection.
 */
import { randomBytes } from "node:crypto"
import { createServer } from "node:http"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

export type FakeFailure =
  | "rate_limit" // 130429, HTTP 429
  | "re_engagement" // 131047
  | "undeliverable" // 131026
  | "invalid_parameter" // 131009
  | "invalid_request" // 100
  | "missing_parameter" // 131008
  | "server_error" // HTTP 500, code 131000
  | "bad_gateway" // HTTP 502 with an HTML body (a proxy in the way)
  | "drop_connection" // the socket closes without a reply

const failures: Record<Exclude<FakeFailure, "drop_connection" | "bad_gateway">, { status: number; code: number; message: string; details: string }> = {
  rate_limit: { status: 429, code: 130429, message: "(#130429) Rate limit hit", details: "Cloud API message throughput has been reached." },
  re_engagement: {
    status: 400,
    code: 131047,
    message: "(#131047) Re-engagement message",
    details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number."
  },
  undeliverable: { status: 400, code: 131026, message: "(#131026) Message Undeliverable.", details: "Message Undeliverable." },
  invalid_parameter: { status: 400, code: 131009, message: "(#131009) Parameter value is not valid", details: "One or more parameter values are invalid." },
  invalid_request: { status: 400, code: 100, message: "(#100) Invalid parameter", details: "Invalid parameter" },
  missing_parameter: { status: 400, code: 131008, message: "(#131008) Required parameter is missing", details: "A required parameter is missing." },
  server_error: { status: 500, code: 131000, message: "(#131000) Something went wrong", details: "Message failed to send due to an unknown error." }
}

export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly authorization: string | undefined
  readonly contentType: string | undefined
  readonly body: unknown
  /** What the fake answered (0 when it dropped the connection). */
  readonly status: number
}

export interface AcceptedMessage {
  readonly wamid: string
  readonly to: string
  readonly template: string
  readonly language: string
  readonly params: ReadonlyArray<string>
}

export interface FakeWhatsApp {
  /** e.g. http://127.0.0.1:53211/v21.0: use as WHATSAPP_BASE_URL. */
  readonly baseUrl: string
  readonly token: string
  readonly phoneNumberId: string
  readonly requests: ReadonlyArray<RecordedRequest>
  /** Template messages answered 200, in order. */
  readonly accepted: ReadonlyArray<AcceptedMessage>
  /** Answer the next `times` valid requests with this failure (queued after earlier ones). */
  readonly failNext: (failure: FakeFailure, times?: number) => void
  readonly close: () => Promise<void>
}

const envelope = (code: number, message: string, details: string, type = "OAuthException") => ({
  error: { message, type, code, error_data: { messaging_product: "whatsapp", details }, fbtrace_id: `A${randomBytes(8).toString("hex")}` }
})

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)
const keysExactly = (o: Record<string, unknown>, keys: ReadonlyArray<string>, at: string, problems: Array<string>) => {
  const actual = Object.keys(o).sort()
  const expected = [...keys].sort()
  if (actual.join() !== expected.join()) problems.push(`${at} has keys [${actual.join(", ")}], expected [${expected.join(", ")}]`)
}

/** The documented body shapes, checked exactly. Returns the problems found. */
export const bodyProblems = (body: unknown): Array<string> => {
  const problems: Array<string> = []
  if (!isRecord(body)) return ["body is not a JSON object"]
  if (body["messaging_product"] !== "whatsapp") problems.push(`messaging_product must be "whatsapp"`)
  if (body["recipient_type"] !== "individual") problems.push(`recipient_type must be "individual"`)
  if (typeof body["to"] !== "string" || !/^\d{8,15}$/.test(body["to"])) problems.push("to must be the recipient's digits")
  if (body["type"] === "text") {
    keysExactly(body, ["messaging_product", "recipient_type", "to", "type", "text"], "body", problems)
    const text = body["text"]
    if (!isRecord(text) || typeof text["body"] !== "string" || text["body"] === "") problems.push("text.body must be a non-empty string")
    return problems
  }
  if (body["type"] !== "template") return [...problems, `type must be "template" or "text"`]
  keysExactly(body, ["messaging_product", "recipient_type", "to", "type", "template"], "body", problems)
  const template = body["template"]
  if (!isRecord(template)) return [...problems, "template must be an object"]
  keysExactly(template, ["name", "language", "components"], "template", problems)
  if (typeof template["name"] !== "string" || !/^[a-z0-9_]+$/.test(template["name"])) problems.push("template.name must be a template name")
  const language = template["language"]
  if (!isRecord(language) || typeof language["code"] !== "string") problems.push("template.language.code must be a string")
  else keysExactly(language, ["code"], "template.language", problems)
  const components = template["components"]
  if (!Array.isArray(components)) return [...problems, "template.components must be an array"]
  components.forEach((c: unknown, i) => {
    if (!isRecord(c) || c["type"] !== "body" || !Array.isArray(c["parameters"])) {
      problems.push(`template.components[${i}] must be {type:"body", parameters:[...]}`)
      return
    }
    keysExactly(c, ["type", "parameters"], `template.components[${i}]`, problems)
    ;(c["parameters"] as Array<unknown>).forEach((p, j) => {
      if (!isRecord(p) || p["type"] !== "text" || typeof p["text"] !== "string" || p["text"] === "") {
        problems.push(`template.components[${i}].parameters[${j}] must be {type:"text", text:"..."}`)
      } else keysExactly(p, ["type", "text"], `template.components[${i}].parameters[${j}]`, problems)
    })
  })
  return problems
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

export const startFakeWhatsApp = async (options: { token?: string; phoneNumberId?: string; version?: string } = {}): Promise<FakeWhatsApp> => {
  const token = options.token ?? `fake-token-${randomBytes(6).toString("hex")}`
  const phoneNumberId = options.phoneNumberId ?? "106540352242922"
  const version = options.version ?? "v21.0"
  const requests: Array<RecordedRequest> = []
  const accepted: Array<AcceptedMessage> = []
  const script: Array<FakeFailure> = []

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req)
    let body: unknown = undefined
    try {
      body = raw === "" ? undefined : JSON.parse(raw)
    } catch {
      body = raw
    }
    const record = (status: number) =>
      requests.push({
        method: req.method ?? "",
        path: req.url ?? "",
        authorization: req.headers.authorization,
        contentType: req.headers["content-type"],
        body,
        status
      })
    const reply = (status: number, json: unknown) => {
      record(status)
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json))
    }

    if (req.headers.authorization !== `Bearer ${token}`) {
      return reply(401, envelope(190, "Invalid OAuth access token - Cannot parse access token", "Invalid OAuth access token"))
    }
    if (req.method !== "POST" || req.url !== `/${version}/${phoneNumberId}/messages`) {
      return reply(400, envelope(100, `Unsupported ${req.method?.toLowerCase()} request to ${req.url}`, "Unsupported request", "GraphMethodException"))
    }
    if (!(req.headers["content-type"] ?? "").startsWith("application/json")) {
      return reply(400, envelope(100, "(#100) Invalid parameter", "content-type must be application/json"))
    }
    const problems = bodyProblems(body)
    if (problems.length > 0) return reply(400, envelope(100, "(#100) Invalid parameter", problems.join("; ")))

    const failure = script.shift()
    if (failure === "drop_connection") {
      record(0)
      req.socket.destroy()
      return
    }
    if (failure === "bad_gateway") {
      record(502)
      res.writeHead(502, { "content-type": "text/html" }).end("<html><body>502 Bad Gateway</body></html>")
      return
    }
    if (failure !== undefined) {
      const f = failures[failure]
      return reply(f.status, envelope(f.code, f.message, f.details))
    }

    const message = body as {
      to: string
      type: string
      template?: { name: string; language: { code: string }; components: Array<{ parameters: Array<{ text: string }> }> }
    }
    const wamid = `wamid.HBgM${randomBytes(24).toString("base64url")}`
    if (message.template !== undefined) {
      accepted.push({
        wamid,
        to: message.to,
        template: message.template.name,
        language: message.template.language.code,
        params: message.template.components.flatMap((c) => c.parameters.map((p) => p.text))
      })
    }
    reply(200, { messaging_product: "whatsapp", contacts: [{ input: message.to, wa_id: message.to }], messages: [{ id: wamid }] })
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end())
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo

  return {
    baseUrl: `http://127.0.0.1:${port}/${version}`,
    token,
    phoneNumberId,
    requests,
    accepted,
    failNext: (failure, times = 1) => {
      for (let i = 0; i < times; i++) script.push(failure)
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((e) => (e ? reject(e) : resolve()))
      })
  }
}

/**
 * A WhatsApp Business Account webhook delivering one inbound text message, as Meta sends it
 * (../shared/protocols/WHATSAPP.md): `from` writes `text` to the business number `phoneNumberId`.
 */
export const inboundTextWebhook = (m: { readonly phoneNumberId: string; readonly from: string; readonly text: string; readonly wamid: string }) =>
  JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "102290129340398",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "254700000000", phone_number_id: m.phoneNumberId },
              contacts: [{ profile: { name: "Buyer" }, wa_id: m.from }],
              messages: [{ from: m.from, id: m.wamid, timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body: m.text } }]
            }
          }
        ]
      }
    ]
  })
