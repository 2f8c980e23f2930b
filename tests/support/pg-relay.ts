/**
 * A TCP relay in front of the test PostgreSQL server, for tests that watch or break what a client
 * sends: `writes` counts the client's chunks (each round trip the client waits for is at least one),
 * `trips` the client's chunks sent after an answer from the server on that connection (pipelined
 * statements a client sends in several chunks without waiting in between count once),
 * and once armed, `cut(chunk)` saying true closes both sockets instead of forwarding that chunk;
 * `holdClientChunk` delays what the client sends (a late CancelRequest).
 */
import { createConnection, createServer } from "node:net"
import type { AddressInfo, Socket } from "node:net"

export const pgRelay = async (
  serverUrl: string,
  cut: (chunk: Buffer) => boolean = () => false,
  /** hold the server's answers this long (a network's latency): what a client sends without waiting arrives before them */
  answerDelayMs = 0,
  /** hold a chunk the client sent this long before passing it on (0: at once), e.g. a CancelRequest */
  holdClientChunk: (chunk: Buffer) => number = () => 0
) => {
  let armed = false
  let writes = 0
  let trips = 0
  const sockets = new Set<Socket>()
  const target = new URL(serverUrl)
  const relay = createServer((client) => {
    const server = createConnection(Number(target.port || 5432), target.hostname)
    sockets.add(client).add(server)
    let answered = true
    client.on("data", (d) => {
      writes++
      if (answered) trips++
      answered = false
      if (armed && cut(d)) {
        armed = false
        client.destroy()
        server.destroy()
        return
      }
      const hold = holdClientChunk(d)
      if (hold > 0) setTimeout(() => server.write(d), hold)
      else server.write(d)
    })
    const answer = (d: Buffer) => {
      answered = true
      client.write(d)
    }
    server.on("data", (d) => (answerDelayMs > 0 ? setTimeout(() => answer(d), answerDelayMs) : answer(d)))
    client.on("close", () => server.destroy())
    server.on("close", () => client.destroy())
    client.on("error", () => server.destroy())
    server.on("error", () => client.destroy())
  })
  await new Promise<void>((ok) => relay.listen(0, "127.0.0.1", () => ok()))
  const url = new URL(serverUrl)
  url.hostname = "127.0.0.1"
  url.port = String((relay.address() as AddressInfo).port)
  return {
    url: url.toString(),
    /** the client's chunks so far */
    writes: () => writes,
    /** the client's round trips so far: its chunks sent after the server answered (or first) on their connection */
    trips: () => trips,
    arm: () => {
      armed = true
    },
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy()
        relay.close(() => ok())
      })
  }
}
