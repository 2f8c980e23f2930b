/**
 * A schema refusal as people read it (domain/schema-issues.ts): dotted paths, at most 20 issues,
 * messages cut to 200 characters, and a one-line summary for a problem's `detail`.
 */
import { Either, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { describeIssues, schemaIssues } from "../../domain/schema-issues.js"

const refusal = <A, I>(schema: Schema.Schema<A, I>, input: unknown) => {
  const r = Schema.decodeUnknownEither(schema, { errors: "all" })(input)
  if (Either.isRight(r)) throw new Error("expected a refusal")
  return r.left
}

describe("schema issues", () => {
  const Variant = Schema.Struct({ sku: Schema.NonEmptyString, grams: Schema.Int })
  const Product = Schema.Struct({ title: Schema.String, variants: Schema.Array(Variant) })

  it("each issue names its field by a dotted path, under an optional prefix", () => {
    const e = refusal(Product, {
      title: "Kikoi",
      variants: [
        { sku: "K-1", grams: 200 },
        { sku: "", grams: 1.5 }
      ]
    })
    expect(schemaIssues(e).map((i) => i.path)).toEqual(["variants.1.sku", "variants.1.grams"])
    expect(schemaIssues(e, ["body"]).map((i) => i.path)).toEqual(["body.variants.1.sku", "body.variants.1.grams"])
    expect(schemaIssues(e)[0]!.message).toMatch(/non empty|at least 1/i)
  })

  it("at most 20 issues come back, however many fields failed", () => {
    const e = refusal(
      Schema.Array(Schema.Number),
      Array.from({ length: 25 }, (_, i) => `n${i}`)
    )
    const issues = schemaIssues(e)
    expect(issues).toHaveLength(20)
    expect(issues[19]!.path).toBe("19")
  })

  it("a message of 200 characters stays whole; a longer one is cut to 199 and an ellipsis", () => {
    const says = (message: string) => refusal(Schema.String.pipe(Schema.filter(() => false, { message: () => message })), "x")
    const exactly = "a".repeat(200)
    expect(schemaIssues(says(exactly))[0]!.message).toBe(exactly)
    const long = "b".repeat(500)
    expect(schemaIssues(says(long))[0]!.message).toBe(`${"b".repeat(199)}…`)
  })

  it("the summary: the first issue with its path, and how many more", () => {
    expect(describeIssues([])).toBe("invalid")
    expect(describeIssues([{ path: "", message: "Expected a string" }])).toBe("Expected a string")
    expect(describeIssues([{ path: "title", message: "Expected a string" }])).toBe("title: Expected a string")
    expect(
      describeIssues([
        { path: "title", message: "Expected a string" },
        { path: "sku", message: "too short" },
        { path: "grams", message: "not an integer" }
      ])
    ).toBe("title: Expected a string (and 2 more)")
    expect(
      describeIssues([
        { path: "a", message: "x" },
        { path: "b", message: "y" }
      ])
    ).toBe("a: x (and 1 more)")
  })
})
