/**
 * Names and URLs of the per-run template and per-file test databases, shared by the vitest
 * globalSetup (main process) and the test files (workers).
 *
 * Names carry their creation time ("amana_tpl_<base36 seconds>_<random>") so a run can drop what a
 * crashed earlier run left behind without touching a concurrent run's fresh databases.
 */
import { randomBytes } from "node:crypto"

export const TEMPLATE_PREFIX = "amana_tpl_"
export const TEST_DB_PREFIX = "amana_t_"
/** Leftovers older than this are dropped by the next run's globalSetup. */
export const STALE_AFTER_SECONDS = 60 * 60

export const freshName = (prefix: string): string => `${prefix}${Math.floor(Date.now() / 1000).toString(36)}_${randomBytes(4).toString("hex")}`

/** Seconds since the name was minted, or undefined for a name we did not mint. */
export const ageSeconds = (name: string, prefix: string): number | undefined => {
  const stamp = name.startsWith(prefix) ? name.slice(prefix.length).split("_")[0] : undefined
  const seconds = stamp === undefined ? NaN : parseInt(stamp, 36)
  return Number.isFinite(seconds) ? Math.floor(Date.now() / 1000) - seconds : undefined
}

/** The same server and credentials, another database. */
export const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url)
  parsed.pathname = `/${encodeURIComponent(database)}`
  return parsed.toString()
}

export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`

declare module "vitest" {
  export interface ProvidedContext {
    /** a URL to the test server with rights to CREATE/DROP DATABASE */
    amanaDbServerUrl: string
    /** this run's migrated template database */
    amanaDbTemplate: string
  }
}
