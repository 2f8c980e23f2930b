/** When `npm start` seeds the demo world: SEED_DEMO=0 starts an empty marketplace, =1 seeds even in production. */
import { describe, expect, it } from "vitest"
import { seedsDemo } from "../../adapters/postgres/seed.js"

describe("SEED_DEMO", () => {
  it("seeds in development unless SEED_DEMO=0, and in production only with SEED_DEMO=1", () => {
    const table: Array<[Record<string, string>, boolean]> = [
      [{}, true],
      [{ SEED_DEMO: "0" }, false],
      [{ SEED_DEMO: "1" }, true],
      [{ NODE_ENV: "production" }, false],
      [{ NODE_ENV: "production", SEED_DEMO: "1" }, true],
      [{ NODE_ENV: "production", SEED_DEMO: "0" }, false]
    ]
    for (const [env, expected] of table) expect([env, seedsDemo(env)]).toEqual([env, expected])
  })
})
