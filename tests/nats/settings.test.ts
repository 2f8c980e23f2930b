/**
 * The event stream's names and settings (no NATS server needed): subjects are valid whatever an
 * event type holds, and NATS_* settings are read with their defaults or refused with the variable's name.
 */
import { ConfigProvider, Effect, Either, Option, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import fc from "fast-check"
import { eventSubject, subjectToken, validStreamName, validSubjectPrefix } from "../../adapters/nats/subjects.js"
import { eventRelaySettingsFromEnv } from "../../composition/event-relay.js"

const settings = (env: Record<string, string>) =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(eventRelaySettingsFromEnv, ConfigProvider.fromMap(new Map(Object.entries(env))))))

describe("event stream subjects", () => {
  it("an event goes to <prefix>.<aggregate in lower case>.<type>", () => {
    expect(eventSubject("amana", "ORDER", "ORDER_PAID")).toBe("amana.order.ORDER_PAID")
    expect(eventSubject("staging.amana", "DISCOUNT_CODE", "CODE_PAUSED")).toBe("staging.amana.discount_code.CODE_PAUSED")
  })

  it("a subject always has exactly prefix tokens + 2 valid tokens, whatever the aggregate and type hold", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (aggregate, type) => {
        const tokens = eventSubject("amana", aggregate, type).split(".")
        expect(tokens).toHaveLength(3)
        for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]+$/)
      })
    )
  })

  it("dots, wildcards and spaces become _ (they would split a subject or widen a subscription)", () => {
    expect(subjectToken("a.b *>c d")).toBe("a_b___c_d")
    expect(subjectToken("")).toBe("_")
  })

  it("stream names and prefixes JetStream would refuse are refused", () => {
    expect(validStreamName("AMANA_EVENTS")).toBe(true)
    expect(validStreamName("AMANA.EVENTS")).toBe(false)
    expect(validStreamName("a/b")).toBe(false)
    expect(validSubjectPrefix("staging.amana")).toBe(true)
    expect(validSubjectPrefix("amana.>")).toBe(false)
    expect(validSubjectPrefix("amana..x")).toBe(false)
  })
})

describe("NATS settings from the environment", () => {
  it("no NATS_URL (or an empty one): no relay", () => {
    expect(settings({})).toEqual(Either.right(Option.none()))
    expect(settings({ NATS_URL: " " })).toEqual(Either.right(Option.none()))
  })

  it("NATS_URL alone: stream AMANA_EVENTS, subjects amana.>", () => {
    const read = settings({ NATS_URL: "nats://127.0.0.1:4222" })
    const value = Either.getOrThrow(read).pipe(Option.getOrThrow)
    expect({ ...value, url: Redacted.isRedacted(value.url) ? Redacted.value(value.url) : "not redacted" }).toEqual({
      url: "nats://127.0.0.1:4222",
      stream: "AMANA_EVENTS",
      subjectPrefix: "amana"
    })
  })

  it("a stream name or prefix NATS would refuse stops the start, naming the variable", () => {
    const badStream = settings({ NATS_URL: "nats://x", NATS_STREAM: "AMANA.EVENTS" })
    expect(Either.isLeft(badStream) && String(badStream.left)).toContain("NATS_STREAM")
    const badPrefix = settings({ NATS_URL: "nats://x", NATS_SUBJECT_PREFIX: "amana.*" })
    expect(Either.isLeft(badPrefix) && String(badPrefix.left)).toContain("NATS_SUBJECT_PREFIX")
  })
})
