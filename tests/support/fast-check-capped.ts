/**
 * fast-check as the domain tests see it under mutation testing only (vitest.mutation.config.ts
 * aliases "fast-check" here): every property runs at most 50 cases. A mutant is run against each
 * test that covers it, hundreds of times over; a broken rule shows in the first few dozen cases, and
 * the full counts stay in `npm test`.
 */
import fc from "../../node_modules/fast-check/lib/fast-check.js"

const MAX_RUNS = 50

const capped: typeof fc = {
  ...fc,
  assert: ((property: Parameters<typeof fc.assert>[0], params?: Parameters<typeof fc.assert>[1]) =>
    fc.assert(property, { ...params, numRuns: Math.min(params?.numRuns ?? 100, MAX_RUNS) })) as typeof fc.assert
}
export default capped
