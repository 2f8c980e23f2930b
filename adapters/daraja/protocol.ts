/**
 * Daraja protocol details shared by the HTTP client and the simulator: the STK password and
 * timestamp, the B2C SecurityCredential, and the checks we make before sending anything (a request
 * we already know Daraja would refuse is refused here, with a LOCAL.* code and httpStatus 0).
 */
import { X509Certificate, constants, createPublicKey, publicEncrypt } from "node:crypto"
import { Either } from "effect"
import * as Money from "../../domain/money.js"
import { GatewayRejected, STK_MAX_CHARGE } from "../../application/ports/payment-gateway.js"
import type { B2CRequest, StkPushRequest } from "../../application/ports/payment-gateway.js"

/** Africa/Nairobi is UTC+3 all year (no DST). */
const NAIROBI_OFFSET_MS = 3 * 60 * 60 * 1000

const pad = (n: number, width = 2): string => String(n).padStart(width, "0")

/** YYYYMMDDHHmmss in Africa/Nairobi for an instant given in epoch milliseconds. */
export const nairobiTimestamp = (epochMillis: number): string => {
  const d = new Date(epochMillis + NAIROBI_OFFSET_MS)
  return pad(d.getUTCFullYear(), 4) + pad(d.getUTCMonth() + 1) + pad(d.getUTCDate()) + pad(d.getUTCHours()) + pad(d.getUTCMinutes()) + pad(d.getUTCSeconds())
}

/** STK Password: base64(ShortCode + Passkey + Timestamp). */
export const stkPassword = (shortcode: string, passkey: string, timestamp: string): string =>
  Buffer.from(shortcode + passkey + timestamp, "utf8").toString("base64")

/**
 * B2C SecurityCredential: the initiator password RSA-encrypted with Safaricom's certificate,
 * PKCS#1 v1.5 padding (Daraja does not accept OAEP), base64. Accepts a certificate or a PEM
 * public key. Randomised padding: two calls give different strings, both valid.
 */
export const securityCredential = (initiatorPassword: string, certificateOrPublicKeyPem: string): string => {
  const key = certificateOrPublicKeyPem.includes("BEGIN CERTIFICATE")
    ? new X509Certificate(certificateOrPublicKeyPem).publicKey
    : createPublicKey(certificateOrPublicKeyPem)
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(initiatorPassword, "utf8")).toString("base64")
}

/** Refused before sending: nothing reached Daraja. */
export const localRejection = (errorCode: string, errorMessage: string): GatewayRejected => new GatewayRejected({ errorCode, errorMessage, httpStatus: 0 })

/** Daraja's per-transaction STK limits, in whole shillings. */
export const STK_MIN_AMOUNT = 1
export const STK_MAX_AMOUNT = Money.toWholeUnits(STK_MAX_CHARGE)

const PHONE = /^254[17]\d{8}$/

export const truncate = (s: string, max: number): string => [...s].slice(0, max).join("")

const wholeShillings = (amount: Money.Money, max: number): Either.Either<number, GatewayRejected> => {
  if (amount.currency !== "KES") return Either.left(localRejection("LOCAL.INVALID_AMOUNT", `M-Pesa Kenya charges KES, not ${amount.currency}`))
  if (amount.amount % Money.minorPerMajor("KES") !== 0)
    return Either.left(localRejection("LOCAL.INVALID_AMOUNT", `not whole shillings: ${Money.format(amount)} (use Money.toWholeUnitCharge first)`))
  const whole = Money.toWholeUnits(amount)
  if (whole < STK_MIN_AMOUNT || whole > max)
    return Either.left(localRejection("LOCAL.INVALID_AMOUNT", `amount out of range ${STK_MIN_AMOUNT}..${max}: ${Money.format(amount)}`))
  return Either.right(whole)
}

const phone = (p: string): Either.Either<string, GatewayRejected> =>
  PHONE.test(p) ? Either.right(p) : Either.left(localRejection("LOCAL.INVALID_PHONE", "phone must be 2547XXXXXXXX or 2541XXXXXXXX"))

export interface PreparedStkPush {
  readonly amount: number
  readonly phone: string
  /** Truncated to Daraja's 12 characters. */
  readonly accountReference: string
  /** Truncated to Daraja's 13 characters. */
  readonly description: string
  readonly callbackUrl: string
}

export const prepareStkPush = (request: StkPushRequest): Either.Either<PreparedStkPush, GatewayRejected> =>
  Either.all({ amount: wholeShillings(request.amount, STK_MAX_AMOUNT), phone: phone(request.phone) }).pipe(
    Either.map(({ amount, phone }) => ({
      amount,
      phone,
      accountReference: truncate(request.accountReference, 12),
      description: truncate(request.description, 13),
      callbackUrl: request.callbackUrl
    }))
  )

export interface PreparedB2C {
  readonly amount: number
  readonly phone: string
  /** 2 to 100 characters (longer is truncated, shorter refused). */
  readonly remarks: string
}

export const prepareB2C = (request: B2CRequest): Either.Either<PreparedB2C, GatewayRejected> => {
  const remarks = truncate(request.remarks.trim(), 100)
  if ([...remarks].length < 2) return Either.left(localRejection("LOCAL.INVALID_REMARKS", "B2C Remarks must be 2 to 100 characters"))
  if (request.originatorConversationId.trim() === "")
    return Either.left(localRejection("LOCAL.INVALID_ORIGINATOR_ID", "OriginatorConversationID must not be empty"))
  return Either.all({ amount: wholeShillings(request.amount, Number.MAX_SAFE_INTEGER), phone: phone(request.phone) }).pipe(
    Either.map(({ amount, phone }) => ({ amount, phone, remarks }))
  )
}
