/** GET /dev/messages: the dev inbox (outside production only: 404 there). */
import { Effect, Schema } from "effect"
import { DevInbox } from "../../../application/ports/dev-inbox.js"
import { endpoint } from "../endpoint.js"
import { NotFoundRoute } from "../problems.js"
import { Instant } from "../wire.js"

export const devRoutes = [
  endpoint({
    method: "get",
    path: "/dev/messages",
    tag: "Development",
    summary: "What the dev-inbox Notifier 'sent' (login codes, order messages), newest first. 404 in production.",
    auth: "none",
    query: Schema.Struct({
      to: Schema.optional(Schema.String.pipe(Schema.maxLength(20))),
      limit: Schema.optionalWith(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 200)), { default: () => 50 })
    }),
    response: Schema.Struct({
      items: Schema.Array(
        Schema.Struct({
          id: Schema.String,
          to: Schema.String,
          template: Schema.String,
          params: Schema.Array(Schema.String),
          text: Schema.String,
          sentAt: Instant
        })
      )
    }),
    errors: [400, 404],
    handler: ({ query, ctx }) =>
      ctx.config.production
        ? Effect.fail(new NotFoundRoute())
        : Effect.flatMap(DevInbox, (inbox) =>
            Effect.map(inbox.list({ ...(query.to !== undefined && { to: query.to }), limit: query.limit }), (items) => ({
              items: items.map((m) => ({ id: m.id, to: m.to, template: m.template, params: m.params, text: m.text, sentAt: m.sentAt }))
            }))
          )
  })
]
