import { randomUUID } from "node:crypto"
import { makeMemoryRateLimiter } from "../../adapters/redis/memory-rate-limiter.js"
import { rateLimiterContract } from "./rate-limiter-contract.js"

const shared = makeMemoryRateLimiter()

rateLimiterContract({
  name: "in-process limiter",
  keyPrefix: `test:${randomUUID()}:`,
  limiter: makeMemoryRateLimiter,
  racers: () => [shared]
})
