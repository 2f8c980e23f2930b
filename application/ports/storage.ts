/**
 * Storage: where uploaded bytes live (a folder on local disk by default, an S3-compatible bucket
 * when configured). Keys are ours (never a client's file name); what a key holds and whose it is
 * lives in the database (uploads).
 */
import { Context, Data } from "effect"
import type { Effect, Option } from "effect"

export class StorageUnavailable extends Data.TaggedError("StorageUnavailable")<{ readonly detail: string }> {
  readonly code = "STORAGE.UNAVAILABLE"
  override get message() {
    return this.detail
  }
}

export class Storage extends Context.Tag("amana/Storage")<
  Storage,
  {
    readonly put: (key: string, bytes: Uint8Array, contentType: string) => Effect.Effect<void, StorageUnavailable>
    /** None when nothing is stored under the key. */
    readonly get: (key: string) => Effect.Effect<Option.Option<Uint8Array>, StorageUnavailable>
  }
>() {}
