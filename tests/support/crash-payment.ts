/**
 * A process that asks for one STK push and is SIGKILLed at the worst moment (tests/payments/
 * crash-push.test.ts): Daraja has accepted the push, so the phone shows the prompt, and nothing
 * after it has committed, so the CheckoutRequestID is not recorded and no poll is queued.
 * Usage: node --import tsx tests/support/crash-payment.ts <database-url> <checkout-id> <buyer-id> <phone> <callback-url>
 * (Daraja, Redis and the rate-limit namespace come from the environment, as in production.)
 */
import { CheckoutId, UserId } from "../../domain/ids.js"
import { Effect } from "effect"
import { makePool } from "../../adapters/postgres/database.js"
import { makePlatformRuntime } from "../../composition/platform.js"
import { requestPayment } from "../../application/payments/request-payment.js"
import { PaymentGateway } from "../../application/ports/payment-gateway.js"

const [url, checkoutId, buyerId, phone, callbackUrl] = process.argv.slice(2)
if (!url || !checkoutId || !buyerId || !phone || !callbackUrl)
  throw new Error("usage: crash-payment.ts <database-url> <checkout-id> <buyer-id> <phone> <callback-url>")
const runtime = makePlatformRuntime(makePool(url, { max: 2 }))

const program = Effect.gen(function* () {
  const live = yield* PaymentGateway
  const dying = {
    ...live,
    stkPush: (r: Parameters<typeof live.stkPush>[0]) => Effect.tap(live.stkPush(r), () => Effect.sync(() => process.kill(process.pid, "SIGKILL")))
  }
  return yield* requestPayment({ checkoutId: CheckoutId.make(checkoutId), buyerId: UserId.make(buyerId), phone, callbackUrl }).pipe(
    Effect.provideService(PaymentGateway, dying)
  )
})
const outcome = await runtime.runPromise(Effect.either(program))
console.log(`crash-payment survived: ${JSON.stringify(outcome)}`)
process.exit(1)
