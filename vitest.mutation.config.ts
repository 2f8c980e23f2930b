import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

/**
 * The tests StrykerJS runs against each mutant (npm run test:mutation): the pure tests only (the
 * domain's, and money out's disbursement arithmetic). They need no database, so there is no global setup; properties run fewer cases
 * (tests/support/fast-check-capped.ts).
 */
export default defineConfig({
  resolve: {
    alias: [{ find: /^fast-check$/, replacement: fileURLToPath(new URL("./tests/support/fast-check-capped.ts", import.meta.url)) }]
  },
  test: {
    include: ["tests/domain/**/*.test.ts", "tests/payouts/disbursement.test.ts"],
    // One worker that keeps modules loaded between runs: a mutant is a runtime switch, not a new file.
    pool: "threads",
    poolOptions: { threads: { singleThread: true } },
    isolate: false,
    testTimeout: 60_000
  }
})
