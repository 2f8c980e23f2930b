/** Signed merchant-webhook POSTs over @effect/platform's HttpClient (10 s per attempt). */
import { createHmac } from "node:crypto"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Duration, Effect, Layer } from "effect"
import { WebhookSendFailed, WebhookTransport } from "../../application/webhooks/webhook.port.js"

export const hmacHex = (secret: string, signed: string): string => createHmac("sha256", secret).update(signed).digest("hex")

export const WebhookTransportLive: Layer.Layer<WebhookTransport, never, HttpClient.HttpClient> = Layer.effect(
  WebhookTransport,
  Effect.map(HttpClient.HttpClient, (http) =>
    WebhookTransport.of({
      sign: (secret, signed) => Effect.sync(() => hmacHex(secret, signed)),
      post: (url, body, headers) =>
        http
          .execute(HttpClientRequest.post(url).pipe(HttpClientRequest.setHeaders({ ...headers, "user-agent": "Amana-Webhooks/1" }), HttpClientRequest.bodyText(body, "application/json")))
          .pipe(
            Effect.map((response) => ({ status: response.status })),
            Effect.timeoutFail({ duration: Duration.seconds(10), onTimeout: () => new WebhookSendFailed({ detail: "no answer within 10 s" }) }),
            Effect.catchTags({
              RequestError: (e) => Effect.fail(new WebhookSendFailed({ detail: `could not reach the endpoint: ${e.message}` })),
              ResponseError: (e) => Effect.fail(new WebhookSendFailed({ detail: e.message }))
            })
          )
    })
  )
)
