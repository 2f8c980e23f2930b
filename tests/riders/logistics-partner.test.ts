/** The HTTP logistics-partner adapter against the fake partner: create (idempotent), refuse, fail, cancel. */
import { DeliveryId, LocationId, OrderId, StoreId, ZoneId } from "../../domain/ids.js"
import { Effect, Either, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeLogisticsPartner } from "../../adapters/logistics-partner/client.js"
import type { DispatchRequest } from "../../application/riders/rider-dispatch.port.js"
import { startFakePartner } from "../fakes/logistics-partner.js"
import type { FakePartner } from "../fakes/logistics-partner.js"
import { NodeHttpClientLive } from "../../adapters/http-client/node-client.js"

let fake: FakePartner
beforeAll(async () => {
  fake = await startFakePartner({ webhookUrl: () => "http://127.0.0.1:9/unused" })
})
afterAll(async () => {
  await fake.close()
})

const partner = (apiKey = "lp-test-key") =>
  makeLogisticsPartner({
    name: "swiftboda",
    baseUrl: fake.baseUrl,
    apiKey: Redacted.make(apiKey),
    webhookSecret: Redacted.make(fake.secret),
    timeoutMs: 2_000
  }).pipe(Effect.provide(NodeHttpClientLive()))
const request = (deliveryId: string): DispatchRequest => ({
  deliveryId: DeliveryId.make(deliveryId),
  orderId: OrderId.make("ord_1"),
  zoneId: ZoneId.make("zone_1"),
  attempt: 1,
  destination: LocationId.make("KE-047-westlands"),
  storeId: StoreId.make("sto_1"),
  recipientPhone: "254711000002"
})
const run = <A, E>(f: (p: Effect.Effect.Success<ReturnType<typeof partner>>) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.either(Effect.flatMap(partner(), f)))

describe("logistics partner adapter", () => {
  it("creates a delivery with our delivery id as the idempotency key; a retried create is the same delivery", async () => {
    const first = Either.getOrThrow(await run((p) => p.assign(request("dlv_a"))))
    const again = Either.getOrThrow(await run((p) => p.assign(request("dlv_a"))))
    expect(first).toEqual({
      carrier: "PARTNER",
      partner: "swiftboda",
      partnerRef: expect.stringMatching(/^lp_/),
      riderName: "Baraka (SwiftBoda)",
      riderPhone: "254700000111"
    })
    expect(again).toEqual(first)
    expect(fake.deliveries.filter((d) => d.reference === "dlv_a")).toHaveLength(1)
    expect(fake.requests.at(-1)?.headers["idempotency-key"]).toBe("dlv_a")
  })

  it("no capacity is NoCarrierAvailable; a 503 or a wrong key is not a silent success", async () => {
    fake.capacity(0)
    const full = await run((p) => p.assign(request("dlv_b")))
    expect(Either.isLeft(full) && full.left._tag).toBe("NoCarrierAvailable")
    fake.capacity(Number.POSITIVE_INFINITY)
    fake.fail(1)
    const down = await run((p) => p.assign(request("dlv_c")))
    expect(Either.isLeft(down) && down.left._tag).toBe("CarrierUnavailable")
    const wrongKey = await Effect.runPromise(Effect.either(Effect.flatMap(partner("wrong"), (p) => p.assign(request("dlv_d")))))
    expect(Either.isLeft(wrongKey)).toBe(true)
  })

  it("cancels a delivery", async () => {
    const a = Either.getOrThrow(await run((p) => p.assign(request("dlv_e"))))
    expect(Either.isRight(await run((p) => p.cancel(a, "dispatch did not commit")))).toBe(true)
    expect(fake.deliveries.find((d) => d.reference === "dlv_e")?.cancelled).toBe(true)
  })
})
