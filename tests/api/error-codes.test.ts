/**
 * One shape for error codes, checked by the compiler: an endpoint (or a raw route) may fail only
 * with errors adapters/http/problems.ts maps to a status, and each carries its own stable `code`
 * (AREA.NAME). An unmapped error, or a mapped one without a code, does not compile: the
 * `@ts-expect-error` lines below fail `npm run typecheck` the day that stops being true.
 */
import { Data, Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { IllegalTransition } from "../../domain/order.js"
import { DiscountCodeNotApplicable } from "../../domain/incentives.js"
import { endpoint } from "../../adapters/http/endpoint.js"
import { toProblem } from "../../adapters/http/problems.js"
import type { MappedError } from "../../adapters/http/problems.js"
import { ProductNotFound } from "../../application/catalogue/browse.js"

class NobodyMapsMe extends Data.TaggedError("NobodyMapsMe")<object> {
  readonly code = "TEST.UNMAPPED"
}
/** A mapped tag without a code of its own. */
class ProductNotFoundWithoutCode extends Data.TaggedError("ProductNotFound")<object> {}
/** A mapped tag whose code is not AREA.NAME. */
class ProductNotFoundOddCode extends Data.TaggedError("ProductNotFound")<object> {
  readonly code = "PRODUCT_NOT_FOUND"
}

const spec = { method: "get", path: "/test", summary: "test", tag: "Test", auth: "none", response: Schema.String } as const

describe("error codes: one shape, checked at compile time", () => {
  it("an endpoint failing with mapped, coded errors compiles and answers with the error's own code", () => {
    endpoint({ ...spec, handler: () => (Math.random() > 2 ? Effect.succeed("ok") : Effect.fail(new ProductNotFound({ productId: "p" }))) })
    const errors: ReadonlyArray<MappedError> = [
      new ProductNotFound({ productId: "p" }),
      new IllegalTransition({ orderId: "o" as never, from: "PAID", to: "PENDING_PAYMENT" })
    ]
    expect(errors.map((e) => toProblem(e)?.code)).toEqual(["PRODUCT.NOT_FOUND", "ORDER.ILLEGAL_TRANSITION"])
    expect(toProblem(new DiscountCodeNotApplicable({ discountCode: "KARIBU", reason: "EXPIRED" }))).toMatchObject({
      status: 422,
      code: "DISCOUNT_CODE.EXPIRED"
    })
  })

  it("an unmapped error, a mapped tag without a code, or a code not shaped AREA.NAME do not compile", () => {
    // @ts-expect-error NobodyMapsMe is not in problems.ts's table
    endpoint({ ...spec, handler: () => Effect.fail(new NobodyMapsMe()) })
    // @ts-expect-error a mapped tag must carry its own code
    endpoint({ ...spec, handler: () => Effect.fail(new ProductNotFoundWithoutCode()) })
    // @ts-expect-error codes are AREA.NAME
    endpoint({ ...spec, handler: () => Effect.fail(new ProductNotFoundOddCode()) })
    // @ts-expect-error an error typed unknown is not an answer either
    endpoint({ ...spec, handler: () => Effect.fail(new Error("boom") as unknown) })
    // At run time the unmapped one is what the server would have answered 500 for.
    expect(toProblem(new NobodyMapsMe())).toBeUndefined()
  })
})
