/**
 * `npm start` as a child process (composition/main.ts run by tsx from a given clone), for tests of the
 * start-up itself: waits for "http listening", keeps the output, stops with SIGTERM.
 */
import { spawn } from "node:child_process"
import { createServer } from "node:net"
import { join } from "node:path"

export interface PlatformProcess {
  readonly baseUrl: string
  /** everything printed so far (stdout and stderr) */
  readonly output: () => string
  readonly alive: () => boolean
  /** SIGTERM, then the exit code (SIGKILL after `graceMs`) */
  readonly stop: (graceMs?: number) => Promise<number | null>
}

export const freePort = (): Promise<number> =>
  new Promise((ok, fail) => {
    const server = createServer()
    server.once("error", fail)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => ok(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

export interface StartOptions {
  /** command-line arguments after main.ts (`--role=worker`, `--workers`, `2`) */
  readonly args?: ReadonlyArray<string>
  /** the log message that says it started (default "http listening"; a worker alone says "worker running") */
  readonly readyMessage?: string
}

/**
 * Starts the platform from `clone` with `env` on top of this process's (`undefined` unsets). A PORT
 * in `env` is used (a caller that must know the address first, e.g. for PUBLIC_BASE_URL); else a free one.
 * NATS_URL is not passed on unless `env` sets it (with a test stream: NATS_STREAM, NATS_SUBJECT_PREFIX),
 * so a test's platform never publishes into the server's real AMANA_EVENTS stream.
 */
export const startPlatform = async (
  clone: string,
  env: Readonly<Record<string, string | undefined>>,
  readyWithinMs = 150_000,
  options: StartOptions = {}
): Promise<PlatformProcess> => {
  const port = env["PORT"] !== undefined ? Number(env["PORT"]) : await freePort()
  const merged: Record<string, string> = {}
  for (const [k, v] of Object.entries({ ...process.env, NATS_URL: undefined, PORT: String(port), ...env })) if (v !== undefined) merged[k] = v
  const child = spawn(process.execPath, ["--import", "tsx", join(clone, "composition", "main.ts"), ...(options.args ?? [])], {
    cwd: clone,
    env: merged,
    stdio: ["ignore", "pipe", "pipe"]
  })
  let out = ""
  child.stdout.on("data", (d: Buffer) => (out += d.toString()))
  child.stderr.on("data", (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)))
  const stop = async (graceMs = 30_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
    child.kill("SIGTERM")
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs)
    const code = await exited
    clearTimeout(timer)
    return code
  }
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`the platform did not start within ${readyWithinMs} ms:\n${out}`)), readyWithinMs)
    const check = setInterval(() => {
      if (out.includes(`"msg":"${options.readyMessage ?? "http listening"}"`)) {
        clearInterval(check)
        clearTimeout(timer)
        ok()
      }
    }, 100)
    void exited.then((code) => {
      clearInterval(check)
      clearTimeout(timer)
      fail(new Error(`the platform exited (${code}) before listening:\n${out}`))
    })
  }).catch(async (e: unknown) => {
    await stop(5_000)
    throw e
  })
  return { baseUrl: `http://127.0.0.1:${port}`, output: () => out, alive: () => child.exitCode === null && child.signalCode === null, stop }
}
