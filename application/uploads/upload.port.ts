/** UploadStore: who uploaded which file, of what (sniffed) type, and where Storage keeps it. */
import type { UserId } from "../../domain/ids.js"
import { Context } from "effect"
import type { Effect, Option } from "effect"
import type { UploadType } from "../../domain/upload-content.js"
import type { StoreUnavailable } from "../ports/unit-of-work.js"

export interface UploadRecord {
  readonly id: string
  readonly ownerUserId: UserId
  readonly contentType: UploadType
  readonly sizeBytes: number
  readonly sha256: string
  readonly storageKey: string
  readonly createdAt: number
}

export class UploadStore extends Context.Tag("amana/UploadStore")<
  UploadStore,
  {
    /** Records an upload; the adapter computes the SHA-256 of `bytes` (what Storage was given). */
    readonly insert: (upload: Omit<UploadRecord, "sha256">, bytes: Uint8Array) => Effect.Effect<UploadRecord, StoreUnavailable>
    readonly find: (id: string) => Effect.Effect<Option.Option<UploadRecord>, StoreUnavailable>
    /** Of `ids`, those uploaded by `ownerUserId`. */
    readonly ownedBy: (ownerUserId: UserId, ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<string>, StoreUnavailable>
  }
>() {}
