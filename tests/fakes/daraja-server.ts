/**
 * A fake Safaricom Daraja over real HTTP (node:http on 127.0.0.1, random port), speaking the
 * protocol in shared/protocols/DARAJA.md as recorded traffic shows it, not as our adapter happens to
 * use it. Deliberately independent of adapters/daraja: it must catch the adapter's mistakes, not
 * share them.
 *
 * - OAuth: checks Basic auth and grant_type; issuing a token invalidates the previous one (as
 *   Daraja does); `invalidateTokens()` forces the next call to get 404.001.03.
 * - STK push/query: Bearer token, BusinessShortCode, Password = base64(shortcode+passkey+Timestamp)
 *   and every field are validated; numbers may be JSON numbers or numeric strings. Errors use the
 *   {requestId, errorCode, errorMessage} envelope.
 * - Outcomes are scripted per phone (`scriptPhone`) or for the next push (`scriptNextPush`):
 *   any ResultCode, "still processing" for the first N queries (4999, 500.001.1001, or a transient
 *   500), and automatic or on-demand callbacks. `sendCallback(id, forged)` can POST a callback
 *   that disagrees with what the query says.
 * - Faults per path (`fault`) or everywhere (`down`): any status/body, connection close, or hang.
 * - B2C: validates the request, decrypts the SecurityCredential (PKCS#1 v1.5) when given the
 *   private key, refuses a reused OriginatorConversationID with 500.002.1001, and POSTs real-format
 *   Results to the ResultURL (or forged ones on demand: `sendB2CResult(ocid, forged)`).
 * - Transaction Status query: validates Initiator, SecurityCredential, CommandID, PartyA,
 *   IdentifierType "4", TransactionID or OriginatorConversationID, the URLs and Remarks; replies
 *   with its own ConversationID and POSTs the Result (ReceiptNo, TransactionStatus "Completed" or
 *   "Failed", Amount, ...) to its ResultURL. A B2C the fake never made is "not found": a non-zero
 *   ResultCode (the code is our choice: the protocol notes do not give one).
 * - Every request is recorded (`requests`, `requestsTo(path)`).
 */
import { createServer } from "node:http"
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { constants, privateDecrypt, randomBytes } from "node:crypto"

export const DARAJA_PATHS = {
  oauth: "/oauth/v1/generate",
  stkPush: "/mpesa/stkpush/v1/processrequest",
  stkQuery: "/mpesa/stkpushquery/v1/query",
  b2c: "/mpesa/b2c/v3/paymentrequest",
  transactionStatus: "/mpesa/transactionstatus/v1/query"
} as const

export const SANDBOX_SHORTCODE = "174379"
export const SANDBOX_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"

export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly headers: IncomingHttpHeaders
  /** Parsed JSON, or undefined when the body was empty or not JSON. */
  readonly body: unknown
  readonly rawBody: string
}

export type ProcessingForm = "4999" | "500.001.1001" | "transient500"

export interface StkScript {
  /** Final ResultCode: 0 success, 1032, 1037, 1, 2001, "SFC_IC0003", ... */
  readonly resultCode: number | string
  readonly resultDesc?: string
  /** Receipt for a success (default: generated). */
  readonly receipt?: string
  /** The first N queries answer "not finished yet" in `processingForm` (default "4999"). */
  readonly processingQueries?: number
  readonly processingForm?: ProcessingForm
  /** POST the callback this long after the push; undefined: only when `sendCallback` is called. */
  readonly callbackAfterMs?: number
}

export interface B2CScript {
  readonly resultCode: number
  readonly resultDesc?: string
  /** Never POST this B2C's Result (nor a status query's about it) by itself; `sendB2CResult` and `sendStatusResult` still can. */
  readonly noResult?: boolean
  /** What a Transaction Status query about it answers: the truth (default) or "not found". */
  readonly status?: "truth" | "not-found"
}

/** A Result that is not what Daraja would send: wrong ids, another outcome, or another URL. */
export interface ForgedB2CResult {
  readonly resultCode?: number
  readonly resultDesc?: string
  readonly conversationId?: string
  readonly originatorConversationId?: string
  readonly url?: string
}

export interface StatusQueryRecord {
  readonly conversationId: string
  readonly originatorConversationId: string
  readonly body: Readonly<Record<string, unknown>>
  /** The B2C the query asked about (by TransactionID or OriginatorConversationID), if the fake made it. */
  readonly about: B2CRecord | undefined
  readonly decryptedCredential: string | undefined
}

export type Fault =
  | { readonly kind: "status"; readonly status: number; readonly body?: unknown; readonly raw?: string }
  /** Destroy the socket without answering. */
  | { readonly kind: "close" }
  /** Never answer (until the server closes). */
  | { readonly kind: "hang" }

export interface FakeDarajaOptions {
  readonly consumerKey?: string
  readonly consumerSecret?: string
  readonly shortcode?: string
  readonly passkey?: string
  /** PartyB expected for CustomerBuyGoodsOnline. */
  readonly tillNumber?: string
  readonly tokenTtlSeconds?: number
  /** Daraja has been seen answering both; default "string". */
  readonly expiresInAs?: "string" | "number"
  readonly b2c?: {
    readonly shortcode: string
    readonly initiatorName: string
    readonly initiatorPassword: string
    /** PEM private key matching the certificate the adapter encrypts with. */
    readonly privateKeyPem: string
  }
  /** POST B2C Results automatically this long after the request; undefined: on demand only. */
  readonly b2cResultAfterMs?: number
}

export interface PushRecord {
  readonly checkoutRequestId: string
  readonly merchantRequestId: string
  readonly phone: string
  readonly amount: number
  readonly callbackUrl: string
  readonly body: Readonly<Record<string, unknown>>
  readonly script: StkScript
  queries: number
}

export interface B2CRecord {
  readonly originatorConversationId: string
  readonly conversationId: string
  readonly body: Readonly<Record<string, unknown>>
  readonly phone: string
  readonly amount: number
  /** The decrypted initiator password, when the fake has the private key. */
  readonly decryptedCredential: string | undefined
  readonly script: B2CScript
  /** The M-Pesa receipt (TransactionID) this B2C got. */
  readonly transactionId: string
}

export interface CallbackDelivery {
  readonly url: string
  readonly body: string
  /** HTTP status of our receiver, or "error" when it could not be reached. */
  readonly status: number | "error"
  readonly responseBody: string
}

export interface ForgedCallback {
  readonly resultCode?: number | string
  readonly resultDesc?: string
  readonly amount?: number
  readonly receipt?: string
  readonly phone?: string
}

export interface FakeDaraja {
  readonly baseUrl: string
  readonly requests: ReadonlyArray<RecordedRequest>
  requestsTo(path: string): ReadonlyArray<RecordedRequest>
  readonly pushes: ReadonlyArray<PushRecord>
  push(checkoutRequestId: string): PushRecord
  readonly b2cPayments: ReadonlyArray<B2CRecord>
  readonly callbacks: ReadonlyArray<CallbackDelivery>
  /** Tokens issued so far (the last is the only valid one). */
  readonly tokensIssued: number
  scriptPhone(phone: string, script: StkScript): void
  /** Overrides the per-phone script for the next push only. */
  scriptNextPush(script: StkScript): void
  scriptB2C(phone: string, script: B2CScript): void
  invalidateTokens(): void
  /** The next `times` requests to `path` meet `fault` (before any validation). */
  fault(path: string, fault: Fault, times?: number): void
  /** Every endpoint meets `fault` until `down(undefined)`. */
  down(fault: Fault | undefined): void
  /** Runs (and is awaited) before each request to `path` is answered; undefined removes it. */
  beforeAnswer(path: string, hook: ((request: RecordedRequest) => Promise<void>) | undefined): void
  /** POST the push's callback now: the scripted truth, or a forged one. */
  sendCallback(checkoutRequestId: string, forged?: ForgedCallback): Promise<CallbackDelivery>
  /** POST the B2C's Result now: the truth, or a forged one. */
  sendB2CResult(originatorConversationId: string, forged?: ForgedB2CResult): Promise<CallbackDelivery>
  readonly statusQueries: ReadonlyArray<StatusQueryRecord>
  /** POST a Transaction Status query's result now (also sent by itself after `b2cResultAfterMs`). */
  sendStatusResult(conversationId: string, forged?: { readonly conversationId?: string; readonly transactionStatus?: string }): Promise<CallbackDelivery>
  close(): Promise<void>
}

/** Daraja's error envelope. */
export const envelope = (errorCode: string, errorMessage: string, requestId = randomId()): Record<string, string> => ({
  requestId,
  errorCode,
  errorMessage
})

function randomId(): string {
  return `${randomDigits(5)}-${randomDigits(8)}-1`
}
function randomDigits(n: number): string {
  return Array.from(randomBytes(n), (b) => String(b % 10)).join("")
}

const stkPasswordOf = (shortcode: string, passkey: string, timestamp: string): string => Buffer.from(shortcode + passkey + timestamp).toString("base64")

/**
 * RSA PKCS#1 v1.5 decryption done by hand (Node 20 refuses RSA_PKCS1_PADDING for private
 * decryption since CVE-2023-46809): raw RSA, then the 00 02 <non-zero padding> 00 <message> block.
 * Returns undefined when the block is not v1.5 (e.g. OAEP) or the input is garbage.
 */
export const decryptPkcs1v15 = (privateKeyPem: string, base64: string): string | undefined => {
  try {
    const block = privateDecrypt({ key: privateKeyPem, padding: constants.RSA_NO_PADDING }, Buffer.from(base64, "base64"))
    if (block[0] !== 0x00 || block[1] !== 0x02) return undefined
    const separator = block.indexOf(0x00, 2)
    if (separator < 10) return undefined // at least 8 padding bytes
    return block.subarray(separator + 1).toString("utf8")
  } catch {
    return undefined
  }
}

/** 123 or "123" -> 123; anything else (1.5, "12a", "") -> undefined. */
const wholeNumber = (v: unknown): number | undefined => {
  if (typeof v === "number") return Number.isSafeInteger(v) ? v : undefined
  if (typeof v === "string" && /^\d+$/.test(v.trim())) return Number(v.trim())
  return undefined
}
const digitString = (v: unknown): string | undefined => {
  const n = wholeNumber(v)
  return n === undefined ? undefined : String(n)
}
const isPhone = (v: unknown): boolean => /^254[17]\d{8}$/.test(digitString(v) ?? "")
const isUrl = (v: unknown): boolean => {
  if (typeof v !== "string") return false
  try {
    const u = new URL(v)
    return u.protocol === "http:" || u.protocol === "https:"
  } catch {
    return false
  }
}
const isText = (v: unknown, min: number, max: number): boolean => typeof v === "string" && v.length >= min && v.length <= max

const pad = (n: number, w = 2) => String(n).padStart(w, "0")
/** Nairobi wall time (UTC+3) as YYYYMMDDHHmmss: what Daraja stamps TransactionDate with. */
const nairobiNow = (): string => {
  const d = new Date(Date.now() + 3 * 3600 * 1000)
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`
}

const STK_DESCRIPTIONS: Record<string, string> = {
  "0": "The service request is processed successfully.",
  "1": "The balance is insufficient for the transaction.",
  "17": "Rule limited.",
  "1019": "Transaction has expired",
  "1025": "An error occurred while sending a push request",
  "1031": "Request cancelled by user",
  "1032": "Request cancelled by user",
  "1037": "DS timeout user cannot be reached",
  "2001": "The initiator information is invalid.",
  "9999": "An error occurred while sending a push request.",
  SFC_IC0003: "Operator does not exist"
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const postJson = async (url: string, body: string): Promise<CallbackDelivery> => {
  try {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body })
    return { url, body, status: res.status, responseBody: await res.text() }
  } catch {
    return { url, body, status: "error", responseBody: "" }
  }
}

export const startFakeDaraja = async (options: FakeDarajaOptions = {}): Promise<FakeDaraja> => {
  const consumerKey = options.consumerKey ?? "test-consumer-key"
  const consumerSecret = options.consumerSecret ?? "test-consumer-secret"
  const shortcode = options.shortcode ?? SANDBOX_SHORTCODE
  const passkey = options.passkey ?? SANDBOX_PASSKEY
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 3599

  const requests: Array<RecordedRequest> = []
  const pushes: Array<PushRecord> = []
  const b2cPayments: Array<B2CRecord> = []
  const statusQueries: Array<StatusQueryRecord> = []
  const callbacks: Array<CallbackDelivery> = []
  const phoneScripts = new Map<string, StkScript>()
  const b2cScripts = new Map<string, B2CScript>()
  const pathFaults = new Map<string, { fault: Fault; remaining: number }>()
  let nextPushScript: StkScript | undefined
  let everywhere: Fault | undefined
  let validToken: { token: string; expiresAt: number } | undefined
  let tokensIssued = 0
  let counter = 0
  const timers = new Set<NodeJS.Timeout>()
  const sockets = new Set<Socket>()
  const hanging = new Set<ServerResponse>()

  const later = (ms: number, f: () => Promise<unknown>) => {
    const t = setTimeout(() => {
      timers.delete(t)
      void f()
    }, ms)
    timers.add(t)
  }

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = typeof body === "string" ? body : JSON.stringify(body)
    res.writeHead(status, { "content-type": typeof body === "string" ? "text/html" : "application/json" })
    res.end(text)
  }

  const applyFault = (req: IncomingMessage, res: ServerResponse, fault: Fault) => {
    switch (fault.kind) {
      case "status":
        return send(res, fault.status, fault.raw ?? fault.body ?? "")
      case "close":
        return req.socket.destroy()
      case "hang":
        hanging.add(res)
        return
    }
  }

  const bearerOk = (headers: IncomingHttpHeaders): boolean => {
    const auth = headers.authorization ?? ""
    const m = /^Bearer (.+)$/.exec(auth)
    return m !== null && validToken !== undefined && m[1] === validToken.token && Date.now() < validToken.expiresAt
  }

  const invalid = (res: ServerResponse, field: string) => send(res, 400, envelope("400.002.02", `Bad Request - Invalid ${field}`))

  /** The password check shared by push and query. */
  const checkMerchant = (res: ServerResponse, body: Record<string, unknown>): boolean => {
    if (digitString(body["BusinessShortCode"]) !== shortcode) {
      invalid(res, "BusinessShortCode")
      return false
    }
    const timestamp = body["Timestamp"]
    if (typeof timestamp !== "string" || !/^\d{14}$/.test(timestamp)) {
      invalid(res, "Timestamp")
      return false
    }
    if (body["Password"] !== stkPasswordOf(shortcode, passkey, timestamp)) {
      invalid(res, "Password")
      return false
    }
    return true
  }

  const scriptFor = (phone: string): StkScript => {
    const next = nextPushScript
    nextPushScript = undefined
    return next ?? phoneScripts.get(phone) ?? { resultCode: 0 }
  }

  const callbackText = (push: PushRecord, forged?: ForgedCallback): string => {
    const code = forged?.resultCode ?? push.script.resultCode
    const desc = forged?.resultDesc ?? push.script.resultDesc ?? STK_DESCRIPTIONS[String(code)] ?? "Failed"
    const base = {
      MerchantRequestID: push.merchantRequestId,
      CheckoutRequestID: push.checkoutRequestId,
      // Callbacks carry a numeric ResultCode unless the code is not a number at all.
      ResultCode: /^\d+$/.test(String(code)) ? Number(code) : code,
      ResultDesc: desc
    }
    if (String(code) !== "0") return JSON.stringify({ Body: { stkCallback: base } })
    const amount = forged?.amount ?? push.amount
    const text = JSON.stringify({
      Body: {
        stkCallback: {
          ...base,
          CallbackMetadata: {
            Item: [
              { Name: "Amount", Value: "__AMOUNT__" },
              { Name: "MpesaReceiptNumber", Value: forged?.receipt ?? push.script.receipt ?? "__RECEIPT__" },
              { Name: "Balance" },
              { Name: "TransactionDate", Value: Number(nairobiNow()) },
              { Name: "PhoneNumber", Value: Number(forged?.phone ?? push.phone) }
            ]
          }
        }
      }
    })
    // Safaricom writes the amount as 1.00: JSON.stringify cannot, so splice it in.
    return text.replace('"__AMOUNT__"', amount.toFixed(2)).replace("__RECEIPT__", receiptFor(push))
  }

  const receipts = new Map<string, string>()
  const receiptFor = (push: PushRecord): string => {
    const known = receipts.get(push.checkoutRequestId)
    if (known !== undefined) return known
    const r = `T${randomBytes(9)
      .toString("base64")
      .replace(/[^A-Za-z0-9]/g, "")
      .toUpperCase()
      .padEnd(9, "X")
      .slice(0, 9)}`
    receipts.set(push.checkoutRequestId, r)
    return r
  }

  const sendCallback = async (checkoutRequestId: string, forged?: ForgedCallback): Promise<CallbackDelivery> => {
    const push = findPush(checkoutRequestId)
    const delivery = await postJson(push.callbackUrl, callbackText(push, forged))
    callbacks.push(delivery)
    return delivery
  }

  const findPush = (checkoutRequestId: string): PushRecord => {
    const push = pushes.find((p) => p.checkoutRequestId === checkoutRequestId)
    if (push === undefined) throw new Error(`fake Daraja: no push ${checkoutRequestId}`)
    return push
  }

  const handleOAuth = (req: RecordedRequest, res: ServerResponse) => {
    const expected = `Basic ${Buffer.from(`${consumerKey}:${consumerSecret}`).toString("base64")}`
    if (req.headers.authorization !== expected) return send(res, 400, envelope("400.008.01", "Invalid Authentication passed"))
    if (req.query["grant_type"] !== "client_credentials") return send(res, 400, envelope("400.008.02", "Invalid grant type passed"))
    const token = randomBytes(21)
      .toString("base64")
      .replace(/[^A-Za-z0-9]/g, "")
    // A new token invalidates the previous one.
    validToken = { token, expiresAt: Date.now() + tokenTtlSeconds * 1000 }
    tokensIssued++
    send(res, 200, {
      access_token: token,
      expires_in: options.expiresInAs === "number" ? tokenTtlSeconds : String(tokenTtlSeconds)
    })
  }

  const handleStkPush = (body: Record<string, unknown>, res: ServerResponse) => {
    if (!checkMerchant(res, body)) return
    const type = body["TransactionType"]
    if (type !== "CustomerPayBillOnline" && type !== "CustomerBuyGoodsOnline") return invalid(res, "TransactionType")
    const amount = wholeNumber(body["Amount"])
    if (amount === undefined || amount < 1 || amount > 250_000) return invalid(res, "Amount")
    if (!isPhone(body["PartyA"])) return invalid(res, "PartyA")
    const expectedPartyB = type === "CustomerBuyGoodsOnline" ? (options.tillNumber ?? shortcode) : shortcode
    if (digitString(body["PartyB"]) !== expectedPartyB) return invalid(res, "PartyB")
    if (!isPhone(body["PhoneNumber"])) return invalid(res, "PhoneNumber")
    if (!isUrl(body["CallBackURL"])) return invalid(res, "CallBackURL")
    if (!isText(body["AccountReference"], 1, 12)) return invalid(res, "AccountReference")
    if (!isText(body["TransactionDesc"], 1, 13)) return invalid(res, "TransactionDesc")

    const phone = digitString(body["PhoneNumber"])!
    counter++
    const push: PushRecord = {
      checkoutRequestId: `ws_CO_${nairobiNow().slice(6, 8)}${nairobiNow().slice(4, 6)}${nairobiNow().slice(0, 4)}${nairobiNow().slice(8)}${randomDigits(4)}${counter}`,
      merchantRequestId: `${randomDigits(5)}-${randomDigits(8)}-${counter}`,
      phone,
      amount,
      callbackUrl: body["CallBackURL"] as string,
      body,
      script: scriptFor(phone),
      queries: 0
    }
    pushes.push(push)
    if (push.script.callbackAfterMs !== undefined) later(push.script.callbackAfterMs, () => sendCallback(push.checkoutRequestId))
    send(res, 200, {
      MerchantRequestID: push.merchantRequestId,
      CheckoutRequestID: push.checkoutRequestId,
      ResponseCode: "0",
      ResponseDescription: "Success. Request accepted for processing",
      CustomerMessage: "Success. Request accepted for processing"
    })
  }

  const handleStkQuery = (body: Record<string, unknown>, res: ServerResponse) => {
    if (!checkMerchant(res, body)) return
    const push = pushes.find((p) => p.checkoutRequestId === body["CheckoutRequestID"])
    if (push === undefined) return invalid(res, "CheckoutRequestID")
    push.queries++
    const s = push.script
    if (push.queries <= (s.processingQueries ?? 0)) {
      switch (s.processingForm ?? "4999") {
        case "4999":
          return send(res, 200, {
            ResponseCode: "0",
            ResponseDescription: "The service request has been accepted successsfully",
            MerchantRequestID: push.merchantRequestId,
            CheckoutRequestID: push.checkoutRequestId,
            ResultCode: "4999",
            ResultDesc: "The transaction is still under processing"
          })
        case "500.001.1001":
          return send(res, 500, envelope("500.001.1001", "The transaction is being processed", push.checkoutRequestId))
        case "transient500":
          return send(res, 500, envelope("500.003.1001", "Internal Server Error", push.checkoutRequestId))
      }
    }
    send(res, 200, {
      ResponseCode: "0",
      ResponseDescription: "The service request has been accepted successsfully",
      MerchantRequestID: push.merchantRequestId,
      CheckoutRequestID: push.checkoutRequestId,
      ResultCode: String(s.resultCode),
      ResultDesc: s.resultDesc ?? STK_DESCRIPTIONS[String(s.resultCode)] ?? "Failed"
    })
  }

  const b2cResultText = (record: B2CRecord): string => {
    const { resultCode } = record.script
    const transactionId = record.transactionId
    const common = {
      ResultType: 0,
      ResultCode: resultCode,
      ResultDesc:
        record.script.resultDesc ??
        (resultCode === 0 ? "The service request is processed successfully." : resultCode === 2001 ? "The initiator information is invalid." : "Failed"),
      OriginatorConversationID: record.originatorConversationId,
      ConversationID: record.conversationId,
      TransactionID: transactionId
    }
    const reference = { ReferenceData: { ReferenceItem: { Key: "QueueTimeoutURL", Value: String(record.body["QueueTimeOutURL"]) } } }
    if (resultCode !== 0) return JSON.stringify({ Result: { ...common, ...reference } })
    const text = JSON.stringify({
      Result: {
        ...common,
        ResultParameters: {
          ResultParameter: [
            { Key: "TransactionAmount", Value: "__AMOUNT__" },
            { Key: "TransactionReceipt", Value: transactionId },
            { Key: "B2CRecipientIsRegisteredCustomer", Value: "Y" },
            { Key: "B2CChargesPaidAccountAvailableFunds", Value: -4510 },
            { Key: "ReceiverPartyPublicName", Value: `${record.phone} - John Doe` },
            { Key: "TransactionCompletedDateTime", Value: "19.12.2019 11:45:50" },
            { Key: "B2CUtilityAccountAvailableFunds", Value: 10116 },
            { Key: "B2CWorkingAccountAvailableFunds", Value: 900000 }
          ]
        },
        ...reference
      }
    })
    return text.replace('"__AMOUNT__"', record.amount.toFixed(2))
  }

  const sendB2CResult = async (originatorConversationId: string, forged?: ForgedB2CResult): Promise<CallbackDelivery> => {
    const found = b2cPayments.find((b) => b.originatorConversationId === originatorConversationId)
    if (found === undefined) throw new Error(`fake Daraja: no B2C ${originatorConversationId}`)
    const record: B2CRecord =
      forged === undefined
        ? found
        : {
            ...found,
            originatorConversationId: forged.originatorConversationId ?? found.originatorConversationId,
            conversationId: forged.conversationId ?? found.conversationId,
            script: {
              ...found.script,
              ...(forged.resultCode !== undefined && { resultCode: forged.resultCode }),
              ...(forged.resultDesc !== undefined && { resultDesc: forged.resultDesc })
            }
          }
    const delivery = await postJson(forged?.url ?? String(record.body["ResultURL"]), b2cResultText(record))
    callbacks.push(delivery)
    return delivery
  }

  const statusResultText = (query: StatusQueryRecord, forged?: { readonly conversationId?: string; readonly transactionStatus?: string }): string => {
    const about = query.about
    const common = {
      ResultType: 0,
      OriginatorConversationID: query.originatorConversationId,
      ConversationID: forged?.conversationId ?? query.conversationId,
      TransactionID: `T${randomDigits(3)}${randomBytes(3).toString("hex").toUpperCase()}`
    }
    if (about === undefined || about.script.status === "not-found")
      return JSON.stringify({ Result: { ...common, ResultCode: "R000002", ResultDesc: "The transaction could not be found." } })
    const completed = about.script.resultCode === 0
    return JSON.stringify({
      Result: {
        ...common,
        ResultCode: 0,
        ResultDesc: "The service request is processed successfully.",
        ResultParameters: {
          ResultParameter: [
            { Key: "DebitPartyName", Value: `${String(about.body["PartyA"])} - Amana` },
            { Key: "CreditPartyName", Value: `${about.phone} - John Doe` },
            { Key: "OriginatorConversationID", Value: about.originatorConversationId },
            { Key: "InitiatedTime", Value: Number(nairobiNow()) },
            { Key: "DebitAccountType", Value: "Utility Account" },
            { Key: "DebitPartyCharges" },
            { Key: "TransactionReason" },
            { Key: "ReasonType", Value: "Business Payment to Customer via API" },
            { Key: "TransactionStatus", Value: forged?.transactionStatus ?? (completed ? "Completed" : "Failed") },
            { Key: "FinalisedTime", Value: Number(nairobiNow()) },
            { Key: "Amount", Value: about.amount },
            { Key: "ConversationID", Value: about.conversationId },
            { Key: "ReceiptNo", Value: about.transactionId }
          ]
        },
        ReferenceData: { ReferenceItem: { Key: "Occasion" } }
      }
    })
  }

  const sendStatusResult = async (
    conversationId: string,
    forged?: { readonly conversationId?: string; readonly transactionStatus?: string }
  ): Promise<CallbackDelivery> => {
    const query = statusQueries.find((q) => q.conversationId === conversationId)
    if (query === undefined) throw new Error(`fake Daraja: no status query ${conversationId}`)
    const delivery = await postJson(String(query.body["ResultURL"]), statusResultText(query, forged))
    callbacks.push(delivery)
    return delivery
  }

  const handleTransactionStatus = (body: Record<string, unknown>, res: ServerResponse) => {
    const b2c = options.b2c
    if (typeof body["Initiator"] !== "string") return invalid(res, "Initiator")
    if (typeof body["SecurityCredential"] !== "string") return invalid(res, "SecurityCredential")
    if (body["CommandID"] !== "TransactionStatusQuery") return invalid(res, "CommandID")
    const transactionId = body["TransactionID"]
    const ocid = body["OriginatorConversationID"]
    if ((typeof transactionId !== "string" || transactionId === "") && (typeof ocid !== "string" || ocid === "")) return invalid(res, "TransactionID")
    if (b2c !== undefined && digitString(body["PartyA"]) !== b2c.shortcode) return invalid(res, "PartyA")
    if (String(body["IdentifierType"]) !== "4") return invalid(res, "IdentifierType")
    if (!isUrl(body["ResultURL"])) return invalid(res, "ResultURL")
    if (!isUrl(body["QueueTimeOutURL"])) return invalid(res, "QueueTimeOutURL")
    if (!isText(body["Remarks"], 2, 100)) return invalid(res, "Remarks")
    const decrypted = b2c === undefined ? undefined : decryptPkcs1v15(b2c.privateKeyPem, body["SecurityCredential"])
    counter++
    const query: StatusQueryRecord = {
      conversationId: `AG_20191219_${randomBytes(10).toString("hex")}${counter}`,
      originatorConversationId: `${randomDigits(5)}-${randomDigits(7)}-${counter}`,
      body,
      about: b2cPayments.find((b) =>
        typeof transactionId === "string" && transactionId !== "" ? b.transactionId === transactionId : b.originatorConversationId === ocid
      ),
      decryptedCredential: decrypted
    }
    statusQueries.push(query)
    if (options.b2cResultAfterMs !== undefined && query.about?.script.noResult !== true)
      later(options.b2cResultAfterMs, () => sendStatusResult(query.conversationId))
    send(res, 200, {
      OriginatorConversationID: query.originatorConversationId,
      ConversationID: query.conversationId,
      ResponseCode: "0",
      ResponseDescription: "Accept the service request successfully."
    })
  }

  const handleB2C = (body: Record<string, unknown>, res: ServerResponse) => {
    const b2c = options.b2c
    const ocid = body["OriginatorConversationID"]
    if (typeof ocid !== "string" || ocid === "") return invalid(res, "OriginatorConversationID")
    if (b2cPayments.some((b) => b.originatorConversationId === ocid)) return send(res, 500, envelope("500.002.1001", "Duplicate OriginatorConversationID."))
    if (typeof body["InitiatorName"] !== "string") return invalid(res, "InitiatorName")
    if (typeof body["SecurityCredential"] !== "string") return invalid(res, "SecurityCredential")
    if (!["BusinessPayment", "SalaryPayment", "PromotionPayment"].includes(String(body["CommandID"]))) return invalid(res, "CommandID")
    const amount = wholeNumber(body["Amount"])
    if (amount === undefined || amount < 1) return invalid(res, "Amount")
    if (b2c !== undefined && digitString(body["PartyA"]) !== b2c.shortcode) return invalid(res, "PartyA")
    if (!isPhone(body["PartyB"])) return invalid(res, "PartyB")
    if (!isText(body["Remarks"], 2, 100)) return invalid(res, "Remarks")
    if (!isUrl(body["QueueTimeOutURL"])) return invalid(res, "QueueTimeOutURL")
    if (!isUrl(body["ResultURL"])) return invalid(res, "ResultURL")

    const phone = digitString(body["PartyB"])!
    const decrypted = b2c === undefined ? undefined : decryptPkcs1v15(b2c.privateKeyPem, body["SecurityCredential"])
    // Wrong initiator or credential is not refused synchronously: the Result says 2001.
    const credentialOk = b2c === undefined || (decrypted === b2c.initiatorPassword && body["InitiatorName"] === b2c.initiatorName)
    counter++
    const record: B2CRecord = {
      originatorConversationId: ocid,
      conversationId: `AG_20191219_${randomBytes(10).toString("hex")}${counter}`,
      body,
      phone,
      amount,
      decryptedCredential: decrypted,
      script: credentialOk ? (b2cScripts.get(phone) ?? { resultCode: 0 }) : { resultCode: 2001 },
      transactionId: `T${randomDigits(3)}${randomBytes(3).toString("hex").toUpperCase()}`
    }
    b2cPayments.push(record)
    if (options.b2cResultAfterMs !== undefined && record.script.noResult !== true) later(options.b2cResultAfterMs, () => sendB2CResult(ocid))
    send(res, 200, {
      ConversationID: record.conversationId,
      OriginatorConversationID: ocid,
      ResponseCode: "0",
      ResponseDescription: "Accept the service request successfully."
    })
  }

  const hooks = new Map<string, (request: RecordedRequest) => Promise<void>>()
  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req)
      const url = new URL(req.url ?? "/", "http://fake")
      let body: unknown
      try {
        body = raw === "" ? undefined : (JSON.parse(raw) as unknown)
      } catch {
        body = undefined
      }
      const recorded: RecordedRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
        rawBody: raw
      }
      requests.push(recorded)
      await hooks.get(url.pathname)?.(recorded)

      const pathFault = pathFaults.get(url.pathname)
      if (pathFault !== undefined && pathFault.remaining > 0) {
        pathFault.remaining--
        return applyFault(req, res, pathFault.fault)
      }
      if (everywhere !== undefined) return applyFault(req, res, everywhere)

      if (url.pathname === DARAJA_PATHS.oauth && req.method === "GET") return handleOAuth(recorded, res)
      const handler =
        url.pathname === DARAJA_PATHS.stkPush
          ? handleStkPush
          : url.pathname === DARAJA_PATHS.stkQuery
            ? handleStkQuery
            : url.pathname === DARAJA_PATHS.b2c
              ? handleB2C
              : url.pathname === DARAJA_PATHS.transactionStatus
                ? handleTransactionStatus
                : undefined
      if (handler === undefined || req.method !== "POST") return send(res, 404, envelope("404.001.01", "Resource not found"))
      if (!bearerOk(req.headers)) return send(res, 404, envelope("404.001.03", "Invalid Access Token"))
      if (typeof body !== "object" || body === null || Array.isArray(body)) return send(res, 400, envelope("400.002.05", "Invalid Request Payload"))
      handler(body as Record<string, unknown>, res)
    })()
  })
  server.on("connection", (s) => {
    sockets.add(s)
    s.on("close", () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    requestsTo: (path) => requests.filter((r) => r.path === path),
    beforeAnswer: (path, hook) => {
      if (hook === undefined) hooks.delete(path)
      else hooks.set(path, hook)
    },
    pushes,
    push: findPush,
    b2cPayments,
    callbacks,
    get tokensIssued() {
      return tokensIssued
    },
    scriptPhone: (phone, script) => void phoneScripts.set(phone, script),
    scriptNextPush: (script) => void (nextPushScript = script),
    scriptB2C: (phone, script) => void b2cScripts.set(phone, script),
    invalidateTokens: () => void (validToken = undefined),
    fault: (path, fault, times = 1) => void pathFaults.set(path, { fault, remaining: times }),
    down: (fault) => void (everywhere = fault),
    sendCallback,
    sendB2CResult,
    statusQueries,
    sendStatusResult,
    close: async () => {
      for (const t of timers) clearTimeout(t)
      for (const r of hanging) r.destroy()
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
