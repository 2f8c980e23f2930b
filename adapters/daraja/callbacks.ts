/**
 * What Safaricom POSTs to us, decoded into plain values, and the one place a ResultCode is given a
 * meaning (callbacks and STK queries both classify through `classifyResultCode`).
 *
 * Decoding follows the recorded traffic, not the happy-path sample: Items and ResultParameters are
 * read by name (never position), an Item may have no Value, Amount arrives as 1 or 1.00 (or a
 * numeric string), TransactionDate and PhoneNumber are numbers, ResultCode is a number or a string
 * (including non-numeric ones such as "SFC_IC0003"), and failures carry no metadata at all.
 */
import { Data, Either, ParseResult, Schema } from "effect"
import type { StkStatus } from "../../application/ports/payment-gateway.js"

// ---------------------------------------------------------------------------------------------
// Result codes

export type ResultClass = "PAID" | "CANCELLED_BY_USER" | "FAILED"

/** 1032 is "cancelled by user"; 1031 is seen for the same thing on some paths. */
const CANCELLED_CODES: ReadonlySet<string> = new Set(["1032", "1031"])

/**
 * The meaning of a final STK ResultCode. Only the code counts: ResultDesc wording changes between
 * years and endpoints. Anything that is not success or a user cancel is a failure (1, 17, 1019,
 * 1025, 1037, 2001, 9999, "SFC_IC0003", ...).
 */
export const classifyResultCode = (code: string | number): ResultClass => {
  const c = String(code).trim()
  if (c === "0") return "PAID"
  if (CANCELLED_CODES.has(c)) return "CANCELLED_BY_USER"
  return "FAILED"
}

/** A final STK ResultCode as the application's StkStatus (the STK query and the callback say it the same way). */
export const finalStkStatus = (resultCode: string, resultDesc: string): Exclude<StkStatus, { readonly _tag: "Pending" }> => {
  switch (classifyResultCode(resultCode)) {
    case "PAID":
      return { _tag: "Paid", resultCode, resultDesc }
    case "CANCELLED_BY_USER":
      return { _tag: "CancelledByUser", resultCode, resultDesc }
    case "FAILED":
      return { _tag: "Failed", resultCode, resultDesc }
  }
}

/** A B2C Result's (or a Transaction Status result's) ResultCode: 0 is success, anything else failure. */
export const b2cResultSucceeded = (code: string | number): boolean => String(code).trim() === "0"

/** A Transaction Status result's TransactionStatus: "Completed" means the money went out. */
export const transactionCompleted = (status: string): boolean => status.trim().toLowerCase() === "completed"

/** An STK query's "the customer has not finished yet" code: not final, poll again. */
export const STILL_PROCESSING_RESULT_CODE = "4999"
export const isStillProcessing = (code: string | number): boolean => String(code).trim() === STILL_PROCESSING_RESULT_CODE

/** The reply Daraja expects to a callback (it does not act on it, but a 2xx JSON is polite). */
export const CALLBACK_ACK = { ResultCode: 0, ResultDesc: "Accepted" } as const

// ---------------------------------------------------------------------------------------------
// Wire shapes

const Scalar = Schema.Union(Schema.Number, Schema.String)
const ResultCodeWire = Schema.Union(Schema.Number, Schema.String)

const MetadataItem = Schema.Struct({
  Name: Schema.String,
  Value: Schema.optional(Schema.NullOr(Scalar))
})

export const StkCallbackWire = Schema.Struct({
  Body: Schema.Struct({
    stkCallback: Schema.Struct({
      MerchantRequestID: Schema.String,
      CheckoutRequestID: Schema.String,
      ResultCode: ResultCodeWire,
      ResultDesc: Schema.String,
      CallbackMetadata: Schema.optional(Schema.NullOr(Schema.Struct({ Item: Schema.optional(Schema.NullOr(Schema.Array(MetadataItem))) })))
    })
  })
})
export type StkCallbackWire = typeof StkCallbackWire.Encoded

const ResultParameter = Schema.Struct({ Key: Schema.String, Value: Schema.optional(Schema.NullOr(Scalar)) })

export const B2CResultWire = Schema.Struct({
  Result: Schema.Struct({
    ResultType: Schema.optional(Scalar),
    ResultCode: ResultCodeWire,
    ResultDesc: Schema.String,
    OriginatorConversationID: Schema.String,
    ConversationID: Schema.String,
    TransactionID: Schema.optional(Schema.NullOr(Schema.String)),
    ResultParameters: Schema.optional(
      Schema.NullOr(
        Schema.Struct({
          // One parameter sometimes arrives as an object rather than a one-element array.
          ResultParameter: Schema.optional(Schema.NullOr(Schema.Union(Schema.Array(ResultParameter), ResultParameter)))
        })
      )
    )
  })
})
export type B2CResultWire = typeof B2CResultWire.Encoded

// ---------------------------------------------------------------------------------------------
// Plain values

export const StkCallback = Schema.Struct({
  merchantRequestId: Schema.String,
  checkoutRequestId: Schema.String,
  resultCode: Schema.String,
  resultDesc: Schema.String,
  /** Whole shillings (1.00 on the wire is 1). */
  amountWhole: Schema.optional(Schema.Int),
  receipt: Schema.optional(Schema.String),
  /** 2547XXXXXXXX as a string. */
  phone: Schema.optional(Schema.String),
  /** YYYYMMDDHHmmss, Africa/Nairobi, as Daraja sent it. */
  transactionDate: Schema.optional(Schema.String)
})
export type StkCallback = typeof StkCallback.Type

export const B2CResult = Schema.Struct({
  originatorConversationId: Schema.String,
  conversationId: Schema.String,
  resultCode: Schema.String,
  resultDesc: Schema.String,
  transactionId: Schema.optional(Schema.String),
  /** Whole shillings. */
  amountWhole: Schema.optional(Schema.Int),
  receipt: Schema.optional(Schema.String),
  /** "dd.MM.yyyy HH:mm:ss" Africa/Nairobi, as Daraja sent it. */
  completedAt: Schema.optional(Schema.String),
  /** Transaction Status results only: "Completed", or a failure wording. */
  transactionStatus: Schema.optional(Schema.String),
  /** What the ResultCode means: the request (B2C, or the status query itself) succeeded. */
  succeeded: Schema.Boolean,
  /** Transaction Status results only: the queried payment went out (TransactionStatus "Completed"). */
  completed: Schema.optional(Schema.Boolean)
})
export type B2CResult = typeof B2CResult.Type

type Named = ReadonlyArray<{ readonly name: string; readonly value: string | number | null | undefined }>

const lookup = (items: Named, name: string): string | number | undefined => {
  const found = items.find((i) => i.name === name)
  return found?.value ?? undefined
}

/** A numeric Value as a digit string: 20191219102115 -> "20191219102115" (no exponent, no ".0"). */
const digits = (v: string | number | undefined): string | undefined => {
  if (v === undefined) return undefined
  if (typeof v === "number") return Number.isSafeInteger(v) ? String(v) : undefined
  const t = v.trim()
  return t === "" ? undefined : t
}

const text = (v: string | number | undefined): string | undefined => {
  if (v === undefined) return undefined
  const t = String(v).trim()
  return t === "" ? undefined : t
}

/** Whole shillings, or an error message for a fractional/garbled amount (never silently rounded). */
const wholeAmount = (v: string | number | undefined): Either.Either<number | undefined, string> => {
  if (v === undefined) return Either.right(undefined)
  const n = typeof v === "number" ? v : Number(v.trim())
  if (!Number.isFinite(n) || (typeof v === "string" && v.trim() === "")) return Either.left(`Amount is not a number: ${String(v)}`)
  if (!Number.isSafeInteger(n)) return Either.left(`Amount is not whole shillings: ${String(v)}`)
  return Either.right(n)
}

const withOptional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }

export const toStkCallback = (wire: typeof StkCallbackWire.Type): Either.Either<StkCallback, string> => {
  const cb = wire.Body.stkCallback
  const items: Named = (cb.CallbackMetadata?.Item ?? []).map((i) => ({ name: i.Name, value: i.Value }))
  return Either.map(wholeAmount(lookup(items, "Amount")), (amountWhole) => ({
    merchantRequestId: cb.MerchantRequestID,
    checkoutRequestId: cb.CheckoutRequestID,
    resultCode: String(cb.ResultCode).trim(),
    resultDesc: cb.ResultDesc,
    ...withOptional("amountWhole", amountWhole),
    ...withOptional("receipt", text(lookup(items, "MpesaReceiptNumber"))),
    ...withOptional("phone", digits(lookup(items, "PhoneNumber"))),
    ...withOptional("transactionDate", digits(lookup(items, "TransactionDate")))
  }))
}

export const toB2CResult = (wire: typeof B2CResultWire.Type): Either.Either<B2CResult, string> => {
  const r = wire.Result
  const raw = r.ResultParameters?.ResultParameter
  const params: Named = (raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw : [raw]).map(
    (p: { readonly Key: string; readonly Value?: string | number | null | undefined }) => ({ name: p.Key, value: p.Value })
  )
  // B2C Results and Transaction Status results share this envelope; their keys differ.
  const transactionStatus = text(lookup(params, "TransactionStatus"))
  return Either.map(wholeAmount(lookup(params, "TransactionAmount") ?? lookup(params, "Amount")), (amountWhole) => ({
    originatorConversationId: r.OriginatorConversationID,
    conversationId: r.ConversationID,
    resultCode: String(r.ResultCode).trim(),
    succeeded: b2cResultSucceeded(r.ResultCode),
    ...withOptional("completed", transactionStatus === undefined ? undefined : transactionCompleted(transactionStatus)),
    resultDesc: r.ResultDesc,
    ...withOptional("transactionId", text(r.TransactionID ?? undefined)),
    ...withOptional("amountWhole", amountWhole),
    ...withOptional("receipt", text(lookup(params, "TransactionReceipt") ?? lookup(params, "ReceiptNo"))),
    ...withOptional("completedAt", text(lookup(params, "TransactionCompletedDateTime"))),
    ...withOptional("transactionStatus", transactionStatus)
  }))
}

// ---------------------------------------------------------------------------------------------
// Decoders

const fromWire = <W, I, A>(wire: Schema.Schema<W, I>, plain: Schema.Schema<A, A>, convert: (w: W) => Either.Either<A, string>): Schema.Schema<A, I> =>
  Schema.transformOrFail(wire, Schema.typeSchema(plain), {
    strict: true,
    decode: (w, _, ast) => Either.mapLeft(convert(w), (message) => new ParseResult.Type(ast, w, message)),
    // Only Safaricom writes this format; we never produce it.
    encode: (a, _, ast) => ParseResult.fail(new ParseResult.Forbidden(ast, a, "encoding to the Daraja wire format is not supported"))
  })

/** Schema: the STK callback JSON body -> StkCallback (usable with HttpServerRequest.schemaBodyJson). */
export const StkCallbackFromWire = fromWire(StkCallbackWire, StkCallback, toStkCallback)
/** Schema: the B2C Result JSON body -> B2CResult. */
export const B2CResultFromWire = fromWire(B2CResultWire, B2CResult, toB2CResult)

export class CallbackDecodeError extends Data.TaggedError("CallbackDecodeError")<{ readonly detail: string }> {
  readonly code = "PAYMENT.CALLBACK_UNDECODABLE"
}

const decodeWith =
  <A, I>(schema: Schema.Schema<A, I>, what: string) =>
  (body: unknown): Either.Either<A, CallbackDecodeError> =>
    Either.mapLeft(
      Schema.decodeUnknownEither(schema)(body),
      (e) => new CallbackDecodeError({ detail: `${what}: ${ParseResult.TreeFormatter.formatErrorSync(e)}` })
    )

/** Decodes a parsed STK callback body (the JSON Safaricom POSTed to the CallBackURL). */
export const decodeStkCallback: (body: unknown) => Either.Either<StkCallback, CallbackDecodeError> = decodeWith(StkCallbackFromWire, "STK callback")

/** Decodes a parsed B2C Result body (the JSON Safaricom POSTed to the ResultURL). */
export const decodeB2CResult: (body: unknown) => Either.Either<B2CResult, CallbackDecodeError> = decodeWith(B2CResultFromWire, "B2C result")

/** What a body says its CheckoutRequestID is, when it can be read at all (for indexing only; nothing is trusted). */
export const checkoutRequestIdOf = (raw: unknown): string | undefined => {
  const decoded = decodeStkCallback(raw)
  return Either.isRight(decoded) ? decoded.right.checkoutRequestId : undefined
}
