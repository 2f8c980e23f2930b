/**
 * `npm run bench:http-client`: this process's CPU per outbound JSON POST (what the Daraja, WhatsApp and
 * riders' adapters send) through FetchHttpClient (Node's fetch, undici) and through the node:http client
 * the platform uses (adapters/http-client/node-client.ts), in one run. The server answering is a second
 * process (bench/http-client-server.ts), so the figures are the client's alone. Rounds alternate the two
 * (A B B A ...) on this shared machine: compare within the run.
 * BENCH_REQUESTS (4,000 per round), BENCH_ROUNDS (4 per client), BENCH_CONCURRENCY (8 in flight).
 */
import { spawn } from "node:child_process"
import { join } from "node:path"
import { Effect } from "effect"
import type { Layer } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClientLive } from "../adapters/http-client/node-client.js"
import { median } from "./support.js"

const REQUESTS = Number(process.env["BENCH_REQUESTS"] ?? 4_000)
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 4)
const CONCURRENCY = Number(process.env["BENCH_CONCURRENCY"] ?? 8)

const server = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "http-client-server.ts")], { stdio: ["ignore", "pipe", "inherit"] })
const port = await new Promise<number>((ok, fail) => {
  server.stdout.once("data", (d: Buffer) => ok(Number(d.toString().trim())))
  server.once("exit", (code) => fail(new Error(`server exited ${code}`)))
})
const url = `http://127.0.0.1:${port}/mpesa/stkpush/v1/processrequest`
// an STK push's body, as the Daraja adapter sends it
const body = {
  BusinessShortCode: "174379",
  Password: "MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFhNDY3Y2QyZTBjODkzMDU5YjEwZjc4ZTZiNzJhZGExZWQyYzkxOTIwMjYxMTI5MDYwMDAw",
  Timestamp: "20261129060000",
  TransactionType: "CustomerPayBillOnline",
  Amount: 1500,
  PartyA: "254708374149",
  PartyB: "174379",
  PhoneNumber: "254708374149",
  CallBackURL: "https://amana.example/api/v1/payments/mpesa/stk-callback/secret",
  AccountReference: "chk_01JDX8Y4",
  TransactionDesc: "Amana order"
}

const round = (layer: Layer.Layer<HttpClient.HttpClient>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      const request = HttpClientRequest.post(url).pipe(
        HttpClientRequest.bearerToken("token"),
        HttpClientRequest.acceptJson,
        HttpClientRequest.bodyUnsafeJson(body)
      )
      const one = Effect.flatMap(client.execute(request), (r) => r.json)
      yield* Effect.forEach(Array.from({ length: 200 }), () => one, { concurrency: CONCURRENCY }) // warm: JIT, sockets
      const started = process.cpuUsage()
      const wall = performance.now()
      yield* Effect.forEach(Array.from({ length: REQUESTS }), () => one, { concurrency: CONCURRENCY, discard: true })
      const used = process.cpuUsage(started)
      return { cpuUs: (used.user + used.system) / REQUESTS, perSecond: REQUESTS / ((performance.now() - wall) / 1000) }
    }).pipe(Effect.scoped, Effect.provide(layer))
  )

const clients = { fetch: FetchHttpClient.layer, "node:http": NodeHttpClientLive() }
const figures: Record<string, Array<{ cpuUs: number; perSecond: number }>> = { fetch: [], "node:http": [] }
try {
  for (let r = 0; r < ROUNDS; r++) {
    const order: Array<keyof typeof clients> = r % 2 === 0 ? ["fetch", "node:http"] : ["node:http", "fetch"]
    for (const name of order) figures[name]!.push(await round(clients[name]))
  }
  console.log(
    `http client: ${REQUESTS} JSON POSTs per round, ${CONCURRENCY} in flight, rounds alternating; this process's CPU per request (the server is another process)`
  )
  for (const [name, rounds] of Object.entries(figures))
    console.log(
      `  ${name.padEnd(10)} ${median(rounds.map((x) => x.cpuUs)).toFixed(0)} µs CPU per request (median; rounds ${rounds.map((x) => x.cpuUs.toFixed(0)).join(", ")}), ${median(rounds.map((x) => x.perSecond)).toFixed(0)} requests/s`
    )
  const ratio = median(figures["node:http"]!.map((x) => x.cpuUs)) / median(figures["fetch"]!.map((x) => x.cpuUs))
  console.log(`  node:http / fetch  ${(ratio * 100).toFixed(0)}% of the CPU`)
} finally {
  server.kill()
}
