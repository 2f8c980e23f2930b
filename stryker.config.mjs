// @ts-check
/**
 * Mutation testing of domain/ and the pure money arithmetic of the use cases (npm run
 * test:mutation): StrykerJS mutates domain/*.ts and application/payouts-execution/disbursement.ts
 * (what a payout or refund sends by B2C, and its posting) and runs the pure tests
 * (vitest.mutation.config.ts) against each mutant. One worker: the machine is shared.
 * The run fails when the mutation score falls under 90%. Figures and how to read them: docs/mutation.md.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts" },
  plugins: ["@stryker-mutator/vitest-runner"],
  mutate: ["domain/**/*.ts", "application/payouts-execution/disbursement.ts"],
  coverageAnalysis: "perTest",
  // Mutants in module-level code (schemas, constants) would need the whole suite per mutant: skipped.
  ignoreStatic: true,
  concurrency: 1,
  timeoutMS: 60_000,
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  thresholds: { high: 95, low: 90, break: 90 },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always"
}
