/**
 * docker-compose.yml runs as written with NODE_ENV=production: every secret production requires is
 * set (and compose stops, naming it, when it is missing), and no variable is set to the empty
 * string (refused everywhere: adapters/system/secrets.ts). The list is the code's own: every
 * `requiredSecret("NAME", standIn)`, a secret with a development stand-in that production refuses
 * to start without. (`npm run compose:check` validates the file against the Compose Specification.)
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { repoRoot } from "../../adapters/postgres/paths.js"

const sourceFiles = (dir: string): Array<string> =>
  readdirSync(join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(repoRoot, dir, entry.name)] : []
  )

/** The secrets with a development stand-in: production has no stand-in, so it refuses to start without them. */
const productionSecrets = (): ReadonlyArray<string> =>
  [
    ...new Set(
      ["adapters", "application", "backoffice", "composition"]
        .flatMap(sourceFiles)
        .flatMap((file) => [...readFileSync(file, "utf8").matchAll(/requiredSecret\(\s*"([A-Z0-9_]+)"\s*,/g)].map((m) => m[1]!))
    )
  ].sort()

const compose = readFileSync(join(repoRoot, "docker-compose.yml"), "utf8")
/** The app's environment block (x-app), shared by the API and the worker. */
const appEnvironment = compose.slice(compose.indexOf("environment: &app-env"), compose.indexOf("\nservices:"))

describe("docker-compose.yml against the code's production requirements", () => {
  it("the code's list is found (the scan itself works)", () => {
    expect(productionSecrets()).toEqual(expect.arrayContaining(["AUDIT_ANCHOR_KEY", "CART_TOKEN_SECRET", "HANDOVER_CODE_SECRET"]))
  })

  it("runs the app and the worker with NODE_ENV=production, as the runtime role", () => {
    expect(appEnvironment).toMatch(/^\s+NODE_ENV: production$/m)
    expect(appEnvironment).toMatch(/^\s+DATABASE_URL: \*runtime-db-url$/m)
    expect(compose).toMatch(/^x-runtime-db-url: &runtime-db-url postgres:\/\/amana_app:/m)
  })

  for (const name of productionSecrets())
    it(`sets ${name}, required: compose stops naming it when it is missing`, () => {
      expect(appEnvironment).toMatch(new RegExp(`^\\s+${name}: \\$\\{${name}:\\?set ${name}\\b`, "m"))
    })

  it("sets no variable to the empty string (optional ones are passed through from the shell, or left unset)", () => {
    expect(compose).not.toMatch(/:-\}/)
    expect(appEnvironment).not.toMatch(/^\s+[A-Z0-9_]+: ""$/m)
  })
})
