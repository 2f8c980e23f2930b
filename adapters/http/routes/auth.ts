/** POST /api/v1/auth/otp and /api/v1/auth/token: phone login with a one-time code. */
import { Effect, Redacted, Schema } from "effect"
import { logIn, logOut, logOutEverywhere, requestLoginCode } from "../../../application/auth/login.js"
import { adoptGuestAttribution } from "../../../application/affiliates/affiliates.js"
import { mergeGuestCart } from "../../../application/cart/cart.js"
import { myReferralCode } from "../../../application/referrals/referrals.js"
import { verifyCartToken } from "../cart-token.js"
import { endpoint, header, me } from "../endpoint.js"
import { Instant, Phone } from "../wire.js"

export const User = Schema.Struct({
  id: Schema.String,
  phone: Schema.String,
  roles: Schema.Array(Schema.String)
}).annotations({ identifier: "User" })

export const authRoutes = [
  endpoint({
    method: "post",
    path: "/api/v1/auth/otp",
    tag: "Auth",
    summary: "Send a one-time login code",
    description:
      "Sends a 6-digit code to the phone through the Notifier (WhatsApp; the dev inbox at GET /dev/messages outside production). Codes expire after 10 minutes. Limited per phone (5 per 15 minutes), per client address and across the platform: over a limit the answer is 429 with Retry-After.",
    auth: "none",
    body: Schema.Struct({ phone: Phone }),
    status: 202,
    response: Schema.Struct({ sent: Schema.Literal(true), expiresAt: Instant }),
    errors: [400, 429, 503],
    handler: ({ body, ctx }) => Effect.map(requestLoginCode(body.phone, ctx.clientAddress), (r) => ({ sent: true as const, expiresAt: r.expiresAt }))
  }),
  endpoint({
    method: "post",
    path: "/api/v1/auth/token",
    tag: "Auth",
    summary: "Exchange the code for a bearer token",
    description:
      "At most 5 tries per code, and 5 wrong codes per phone per 15 minutes whatever code they were aimed at: a locked phone gets 429 with Retry-After. Attempts per client address and across the platform are limited too. Users are created as BUYER on first login. A guest cart (X-Cart-Token header or cartToken) is merged into the buyer's cart. A referralCode never fails the login: `referral` says what became of it (APPLIED only for a buyer created by this login, with someone else's code).",
    auth: "none",
    body: Schema.Struct({
      phone: Phone,
      code: Schema.String.pipe(Schema.pattern(/^\d{6}$/, { message: () => "the code is 6 digits" })),
      cartToken: Schema.optional(Schema.String.pipe(Schema.maxLength(200))),
      referralCode: Schema.optional(
        Schema.String.pipe(Schema.pattern(/^\s*[A-Za-z0-9]{4,16}\s*$/, { message: () => "a referral code is 4 to 16 letters and digits" })).annotations({
          description: "someone's referral code (GET /api/v1/me), given when signing up: a new buyer's first completed order earns both sides loyalty points"
        })
      )
    }),
    headers: [{ name: "X-Cart-Token", required: false, description: "a guest cart to merge into the buyer's cart" }],
    response: Schema.Struct({
      token: Schema.String,
      tokenType: Schema.Literal("Bearer"),
      expiresAt: Instant,
      user: User,
      referral: Schema.optional(Schema.Literal("APPLIED", "UNKNOWN_CODE", "SELF_REFERRAL", "NOT_A_NEW_BUYER"))
    }),
    errors: [400, 401, 403, 429, 503],
    handler: ({ body, ctx }) =>
      Effect.gen(function* () {
        const session = yield* logIn(body.phone, body.code, ctx.clientAddress, body.referralCode)
        const signed = body.cartToken ?? header(ctx, "x-cart-token")
        const guest = signed === undefined ? undefined : verifyCartToken(Redacted.value(ctx.config.cartTokenSecret), signed)
        if (guest !== undefined) {
          yield* mergeGuestCart(guest, session.user.id)
          // the affiliate link the guest followed goes with their cart (last click wins)
          yield* adoptGuestAttribution(guest, session.user.id)
        }
        return {
          token: session.token,
          tokenType: "Bearer" as const,
          expiresAt: session.expiresAt,
          user: { id: session.user.id, phone: session.user.phone, roles: session.user.roles },
          ...(session.referral !== undefined && { referral: session.referral })
        }
      })
  }),
  endpoint({
    method: "post",
    path: "/api/v1/auth/logout",
    tag: "Auth",
    summary: "Log out: end this bearer token's session",
    description: "The token stops working at once. Other devices stay logged in (see /auth/logout/everywhere).",
    auth: "required",
    status: 204,
    response: Schema.Void,
    errors: [401, 429],
    handler: ({ ctx }) => logOut(me(ctx))
  }),
  endpoint({
    method: "post",
    path: "/api/v1/auth/logout/everywhere",
    tag: "Auth",
    summary: "Log out everywhere: end every session of this user, this one included",
    auth: "required",
    response: Schema.Struct({ revoked: Schema.Int }),
    errors: [401, 429],
    handler: ({ ctx }) => logOutEverywhere(me(ctx))
  }),
  endpoint({
    method: "get",
    path: "/api/v1/me",
    tag: "Auth",
    summary: "Who the bearer token belongs to, and their referral code",
    auth: "required",
    response: Schema.Struct({
      ...User.fields,
      referralCode: Schema.String.annotations({
        description:
          "the code to share: a new buyer who signs up with it (POST /api/v1/auth/token referralCode) earns both sides loyalty points on their first completed order"
      })
    }).annotations({ identifier: "Me" }),
    errors: [401, 429, 503],
    handler: ({ ctx }) =>
      Effect.map(myReferralCode(me(ctx).user.id), (referralCode) => {
        const { user } = me(ctx)
        return { id: user.id, phone: user.phone, roles: user.roles, referralCode }
      })
  })
]
