/**
 * POST /api/v1/uploads takes a body of up to 5 MiB (a file), fifty times what a JSON endpoint
 * reads. Whoever has no live session must be refused before that body is read: otherwise anyone,
 * logged in or not, makes the server hold 5 MiB per connection for as long as they care to send it
 * slowly. The refusal comes at once, from the headers alone, and the connection is closed.
 */
import { connect } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"
import { startApi } from "../api/support.js"
import type { Api } from "../api/support.js"

const db = useTestDatabase()
let api: Api

beforeAll(async () => {
  api = await startApi(db.sql)
})
afterAll(async () => {
  await api.close()
})

/** Sends only the request's head (a 5 MB body declared, none sent) and reads what comes back within `ms`. */
const headOnly = (headers: ReadonlyArray<string>, ms = 2_000) =>
  new Promise<string>((done, fail) => {
    const { port } = new URL(api.url)
    const socket = connect(Number(port), "127.0.0.1")
    let answer = ""
    const timer = setTimeout(() => {
      socket.destroy()
      done(answer)
    }, ms)
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1")
      if (answer.includes("\r\n\r\n") && answer.includes("}")) {
        clearTimeout(timer)
        socket.destroy()
        done(answer)
      }
    })
    socket.on("error", fail)
    socket.write(["POST /api/v1/uploads HTTP/1.1", "Host: 127.0.0.1", "Content-Type: image/jpeg", "Content-Length: 5000000", ...headers, "", ""].join("\r\n"))
  })

describe("an upload from someone without a live session", () => {
  it.each([
    ["no Authorization header", []],
    ["a malformed one", ["Authorization: Basic Zm9vOmJhcg=="]],
    ["a token no session has", ["Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789ABCD"]]
  ])("%s: 401 before the body is read", async (_what, headers) => {
    const answer = await headOnly(headers)
    expect(answer.split("\r\n")[0]).toBe("HTTP/1.1 401 Unauthorized")
    expect(answer.toLowerCase()).toContain("content-type: application/problem+json")
    expect(answer).toContain('"code":"AUTH.REQUIRED"')
  })
})
