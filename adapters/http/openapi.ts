/**
 * The OpenAPI 3.1 document, generated from the endpoint descriptions (the same Schemas that decode
 * requests and encode responses), never written by hand. Named schemas (an `identifier`
 * annotation) become components.
 */
import type { Schema } from "effect"
import { JSONSchema } from "effect"
import type { Endpoint } from "./endpoint.js"
import { ProblemDocument } from "./wire.js"

type Json = Record<string, unknown>

const openApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, "{$1}")

export const openApiDocument = (endpoints: ReadonlyArray<Endpoint>, info: { readonly version: string; readonly serverUrl?: string }) => {
  const defs: Record<string, JSONSchema.JsonSchema7> = {}
  const schemaOf = (s: Schema.Schema.AnyNoContext): Json =>
    JSONSchema.fromAST(s.ast, { definitions: defs, definitionPath: "#/components/schemas/", target: "openApi3.1" }) as unknown as Json
  /** A Struct's properties one by one (path and query parameters). */
  const properties = (s: Schema.Schema.AnyNoContext): Array<{ name: string; required: boolean; schema: Json }> => {
    const js = JSONSchema.fromAST(s.ast, { definitions: defs, definitionPath: "#/components/schemas/", target: "openApi3.1" }) as unknown as Json
    const props = (js["properties"] ?? {}) as Record<string, Json>
    const required = new Set((js["required"] ?? []) as Array<string>)
    return Object.entries(props).map(([name, schema]) => ({ name, required: required.has(name), schema }))
  }
  const problemRef = schemaOf(ProblemDocument)

  const paths: Record<string, Record<string, Json>> = {}
  for (const e of endpoints) {
    const parameters = [
      ...(e.params ? properties(e.params).map((p) => ({ name: p.name, in: "path", required: true, schema: p.schema })) : []),
      ...(e.query ? properties(e.query).map((p) => ({ name: p.name, in: "query", required: p.required, schema: p.schema })) : []),
      ...e.headers.map((h) => ({ name: h.name, in: "header", required: h.required, description: h.description, schema: { type: "string" } }))
    ]
    const errors = [...new Set([...e.errors, ...(e.auth === "required" ? [401, 429] : []), 500])].sort()
    const operation: Json = {
      operationId: `${e.method}${openApiPath(e.path).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
      summary: e.summary,
      ...(e.description !== undefined && { description: e.description }),
      tags: [e.tag],
      ...(parameters.length > 0 && { parameters }),
      ...(e.auth === "required" && { security: [{ bearer: [] }] }),
      ...(e.auth === "optional" && { security: [{}, { bearer: [] }] }),
      ...(e.body && { requestBody: { required: true, content: { "application/json": { schema: schemaOf(e.body) } } } }),
      ...(e.rawBody && {
        requestBody: { required: true, content: { "application/json": { schema: { type: "object", description: "stored raw, as received" } } } }
      }),
      ...(e.binaryBody && {
        requestBody: {
          required: true,
          description: `the file's bytes (at most ${e.binaryBody.maxBytes} bytes)`,
          content: Object.fromEntries(e.binaryBody.contentTypes.map((t) => [t, { schema: { type: "string", format: "binary" } }]))
        }
      }),
      responses: {
        [String(e.status)]: {
          description: "OK",
          content: e.binaryResponse
            ? Object.fromEntries(e.binaryResponse.contentTypes.map((t) => [t, { schema: { type: "string", format: "binary" } }]))
            : { "application/json": { schema: schemaOf(e.response) } }
        },
        ...(e.redirects && {
          "302": {
            description: "Found: go to the Location header (the body says the same)",
            headers: { Location: { schema: { type: "string", format: "uri" } } },
            content: { "application/json": { schema: schemaOf(e.response) } }
          }
        }),
        ...Object.fromEntries(
          errors.map((s) => [String(s), { description: "problem details (RFC 9457)", content: { "application/problem+json": { schema: problemRef } } }])
        )
      }
    }
    const path = openApiPath(e.path)
    paths[path] = { ...paths[path], [e.method]: operation }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Amana API",
      version: info.version,
      description:
        "Buyers and sellers of Amana. Money is `{ amount, currency }` in integer minor units (KES 1.00 = 100). Phones are accepted as 07XXXXXXXX, 01XXXXXXXX, +2547..., 2547... and returned as 2547XXXXXXXX. Errors are application/problem+json with a stable `code`. Every response carries X-Request-Id."
    },
    ...(info.serverUrl !== undefined && { servers: [{ url: info.serverUrl }] }),
    paths,
    components: {
      schemas: defs,
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "from POST /api/v1/auth/token" } }
    }
  }
}

/** The docs page: Scalar's API reference reading /api/openapi.json, and a plain list that works offline. */
export const docsPage = (endpoints: ReadonlyArray<Endpoint>) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Amana API</title><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<noscript><h1>Amana API</h1><p>The OpenAPI 3.1 document: <a href="/api/openapi.json">/api/openapi.json</a></p>
<ul>${endpoints.map((e) => `<li><code>${e.method.toUpperCase()} ${e.path}</code> — ${e.summary.replace(/</g, "&lt;")}</li>`).join("")}</ul></noscript>
<script id="api-reference" data-url="/api/openapi.json"></script>
<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"></script>
</body></html>`
