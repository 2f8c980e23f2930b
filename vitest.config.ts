import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    // Each run its own rate-limit namespace in Redis: limits spent by an earlier run never leak in.
    env: { RATE_LIMIT_NAMESPACE: `test-${Date.now().toString(36)}-${process.pid}` },
    include: ["tests/**/*.test.ts"],
    // builds the migrated template database each test file clones (tests/support/test-database.ts)
    globalSetup: ["tests/support/global-setup.ts"],
    // and each file its own rate-limit namespace within the run's
    setupFiles: ["tests/support/per-file-namespace.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000
  }
})
