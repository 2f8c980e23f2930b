/**
 * A failure to reach or prepare the database, told as a person needs it: what went wrong and what
 * to do about it. Start-up (`npm start`, `npm run db:migrate`) and the test setup print these
 * instead of a stack.
 */
export class DatabaseSetupError extends Error {
  override readonly name = "DatabaseSetupError"
  constructor(
    /** what went wrong, with the place it went wrong */
    readonly problem: string,
    /** what to do about it */
    readonly fix: string,
    options?: { readonly cause?: unknown }
  ) {
    super(`${problem}\nFix: ${fix}`, options)
  }
}

const field = (e: unknown, key: string): string | undefined => {
  const value = typeof e === "object" && e !== null ? (e as Record<string, unknown>)[key] : undefined
  return typeof value === "string" ? value : undefined
}

/** The URL without its password, for messages. */
export const redactUrl = (url: string): string => {
  try {
    const u = new URL(url)
    if (u.password !== "") u.password = "***"
    return u.toString()
  } catch {
    return "(an unparsable URL)"
  }
}

/**
 * Explains a failure to connect to (or use) the server at `url`, e.g. DATABASE_URL. `where` names
 * the setting in the message ("DATABASE_URL", "the embedded PostgreSQL").
 */
export const explainConnectionFailure = (where: string, url: string, e: unknown): DatabaseSetupError => {
  if (e instanceof DatabaseSetupError) return e
  const code = field(e, "code") ?? field(typeof e === "object" && e !== null ? (e as { cause?: unknown }).cause : undefined, "code")
  const message = e instanceof Error ? e.message : String(e)
  const at = `${where} (${redactUrl(url)})`
  const unset = where === "DATABASE_URL" ? " or unset DATABASE_URL to use the embedded PostgreSQL" : ""
  switch (code) {
    case "ECONNREFUSED":
    case "CONNECT_TIMEOUT":
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
      return new DatabaseSetupError(`no PostgreSQL answers at ${at}: ${message}`, `start PostgreSQL there${unset}`, { cause: e })
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new DatabaseSetupError(`the host of ${at} is unknown: ${message}`, `correct the host name${unset}`, { cause: e })
    case "28P01":
    case "28000":
      return new DatabaseSetupError(`PostgreSQL refused the login at ${at}: ${message}`, `correct the user and password in the URL${unset}`, { cause: e })
    case "3D000":
      return new DatabaseSetupError(`the database named in ${at} does not exist: ${message}`, `create it (createdb) or name an existing one${unset}`, {
        cause: e
      })
    case "42501":
      return new DatabaseSetupError(
        `the role in ${at} lacks a privilege it needs here: ${message}`,
        `connect as a role that may create databases and run the migrations (CREATEDB, owner of the schema)${unset}`,
        { cause: e }
      )
    default:
      return new DatabaseSetupError(
        `the database at ${at} failed: ${message}${code ? ` (${code})` : ""}`,
        `check that PostgreSQL runs there and is version 15 or newer${unset}`,
        {
          cause: e
        }
      )
  }
}
