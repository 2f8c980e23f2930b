/**
 * A TCP relay in front of the test PostgreSQL server, for tests that watch or break what a client
 * sends: `writes` counts the client's chunks (each round trip the client waits for is at least one),
 * and once armed, `cut(chunk)` saying true closes both sockets instead of forwarding that chunk.
 */
import { createConnection, createServer } from "node:net"
import type { AddressInfo, Socket } from "node:net"

export const pgRelay = async (serverUrl: string, cut: (chunk: Buffer) => boolean = () => false) => {
  let armed = false
  let writes = 0
  const sockets = new Set<Socket>()
  const target = new URL(serverUrl)
  const relay = createServer((client) => {
    const server = createConnection(Number(target.port || 5432), target.hostname)
    sockets.add(client).add(server)
    client.on("data", (d) => {
      writes++
      if (armed && cut(d)) {
        armed = false
        client.destroy()
        server.destroy()
        return
      }
      server.write(d)
    })
    server.on("data", (d) => client.write(d))
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
