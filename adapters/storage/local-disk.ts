/**
 * Storage on local disk: one file per key under a root folder (by default `<clone>/.data/uploads`,
 * beside the embedded database's clusters; UPLOADS_DIR elsewhere). Written to a temporary name and
 * renamed, so a reader never sees half a file. Keys are ours and checked, so no key leaves the root.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises"
import { dirname, join } from "node:path"
import { randomBytes } from "node:crypto"
import { Effect, Layer, Option } from "effect"
import { Storage, StorageUnavailable } from "../../application/ports/storage.js"

const KEY = /^[a-z0-9_-]+(?:\/[a-z0-9_-]+)*$/

const pathOf = (root: string, key: string) =>
  KEY.test(key) ? Effect.succeed(join(root, ...key.split("/"))) : Effect.fail(new StorageUnavailable({ detail: `refused storage key ${JSON.stringify(key)}` }))

const failed = (what: string) => (e: unknown) => new StorageUnavailable({ detail: `${what}: ${e instanceof Error ? e.message : String(e)}` })

export const localDiskStorage = (root: string) =>
  Layer.succeed(Storage, {
    put: (key, bytes) =>
      Effect.flatMap(pathOf(root, key), (path) =>
        Effect.tryPromise({
          try: async () => {
            await mkdir(dirname(path), { recursive: true, mode: 0o700 })
            const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`
            await writeFile(temporary, bytes, { mode: 0o600, flag: "wx" })
            await rename(temporary, path)
          },
          catch: failed(`storing ${key}`)
        })
      ),
    get: (key) =>
      Effect.flatMap(pathOf(root, key), (path) =>
        Effect.tryPromise({
          try: async () => {
            try {
              return Option.some(new Uint8Array(await readFile(path)))
            } catch (e) {
              if ((e as NodeJS.ErrnoException).code === "ENOENT") return Option.none()
              throw e
            }
          },
          catch: failed(`reading ${key}`)
        })
      )
  })
