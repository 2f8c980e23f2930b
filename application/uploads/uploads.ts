/**
 * Uploads (KYC documents today): the type is judged from the bytes and must be the one the request
 * claims; images lose their metadata (domain/upload-content.ts) before anything is stored. A file
 * is read back only by whoever uploaded it, and by admins through the back-office (readUploadAsAdmin).
 */
import { Clock, Effect, Option } from "effect"
import type { UserId } from "../../domain/ids.js"
import { MAX_UPLOAD_BYTES, sniffType, stripMetadata } from "../../domain/upload-content.js"
import type { AdminActor } from "../admin/admin-roles.js"
import { authorize } from "../admin/admin-roles.js"
import { Ids } from "../ports/ids.js"
import { Storage, StorageUnavailable } from "../ports/storage.js"
import { UnitOfWork } from "../ports/unit-of-work.js"
import { recordUserAction } from "../seller/record-user-action.js"
import { UploadEmpty, UploadMalformed, UploadNotFound, UploadTooLarge, UploadTypeRefused } from "./upload.errors.js"
import { UploadStore } from "./upload.port.js"
import type { UploadRecord } from "./upload.port.js"

/** "image/JPEG; charset=x" -> "image/jpeg" */
const mediaType = (header: string | undefined) => (header ?? "").split(";")[0]!.trim().toLowerCase()

export const upload = (userId: UserId, declaredContentType: string | undefined, bytes: Uint8Array) =>
  Effect.gen(function* () {
    if (bytes.length === 0) return yield* new UploadEmpty()
    if (bytes.length > MAX_UPLOAD_BYTES) return yield* new UploadTooLarge({ bytes: bytes.length })
    const declared = mediaType(declaredContentType)
    const sniffed = sniffType(bytes)
    if (sniffed === undefined || sniffed !== declared) return yield* new UploadTypeRefused({ declared, sniffed })
    const cleaned = stripMetadata(sniffed, bytes)
    if (!cleaned.ok) return yield* new UploadMalformed({ reason: cleaned.reason })
    const id = yield* Effect.flatMap(Ids, (ids) => ids.next("upl"))
    const at = yield* Clock.currentTimeMillis
    const storageKey = `uploads/${id}`
    // The bytes first: a row never points at nothing. A crash between the two leaves an orphan object, never a broken row.
    yield* Effect.flatMap(Storage, (s) => s.put(storageKey, cleaned.bytes, sniffed))
    const uow = yield* UnitOfWork
    return yield* uow.transaction(
      Effect.gen(function* () {
        const record = yield* Effect.flatMap(UploadStore, (u) =>
          u.insert({ id, ownerUserId: userId, contentType: sniffed, sizeBytes: cleaned.bytes.length, storageKey, createdAt: at }, cleaned.bytes)
        )
        yield* recordUserAction(
          { userId, role: null },
          {
            action: "UPLOAD.STORE",
            entity: "upload",
            entityId: id,
            before: null,
            after: { contentType: sniffed, sizeBytes: record.sizeBytes, sha256: record.sha256 }
          },
          [{ type: "UPLOAD_STORED", aggregateType: "UPLOAD", aggregateId: id, payload: { uploadId: id, ownerUserId: userId, contentType: sniffed, at } }]
        )
        return record
      })
    )
  }).pipe(Effect.withSpan("Uploads.upload"))

const bytesOf = (record: UploadRecord) =>
  Effect.flatMap(Storage, (s) =>
    Effect.flatMap(
      s.get(record.storageKey),
      Option.match({
        // a row whose bytes are gone is our fault, never the caller's
        onNone: () => Effect.fail(new StorageUnavailable({ detail: `upload ${record.id}: nothing stored under ${record.storageKey}` })),
        onSome: (bytes) => Effect.succeed({ record, bytes })
      })
    )
  )

/** The file, to the user who uploaded it; anyone else is told it does not exist. */
export const readUpload = (userId: UserId, uploadId: string) =>
  Effect.gen(function* () {
    const found = yield* Effect.flatMap(UploadStore, (u) => u.find(uploadId))
    if (Option.isNone(found) || found.value.ownerUserId !== userId) return yield* new UploadNotFound({ uploadId })
    return yield* bytesOf(found.value)
  }).pipe(Effect.withSpan("Uploads.read"))

/** The file, to an admin who reviews sellers (identity documents are not for every back-office role). */
export const readUploadAsAdmin = (actor: AdminActor, uploadId: string) =>
  Effect.gen(function* () {
    yield* authorize(actor, "sellers.review")
    const found = yield* Effect.flatMap(UploadStore, (u) => u.find(uploadId))
    if (Option.isNone(found)) return yield* new UploadNotFound({ uploadId })
    return yield* bytesOf(found.value)
  }).pipe(Effect.withSpan("Uploads.readAsAdmin"))
