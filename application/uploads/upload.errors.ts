import { Data } from "effect"
import { MAX_UPLOAD_BYTES, UPLOAD_TYPES } from "../../domain/upload-content.js"

export class UploadEmpty extends Data.TaggedError("UploadEmpty")<object> {
  readonly code = "UPLOAD.EMPTY"
  override get message() {
    return "the upload is empty: send the file's bytes as the request body"
  }
}

export class UploadTooLarge extends Data.TaggedError("UploadTooLarge")<{ readonly bytes: number }> {
  readonly code = "UPLOAD.TOO_LARGE"
  override get message() {
    return `the file is too large: at most ${MAX_UPLOAD_BYTES} bytes`
  }
}

/** The bytes are none of the accepted types, or not the type the request's Content-Type claims. */
export class UploadTypeRefused extends Data.TaggedError("UploadTypeRefused")<{ readonly declared: string; readonly sniffed: string | undefined }> {
  get code(): "UPLOAD.TYPE_UNSUPPORTED" | "UPLOAD.TYPE_MISMATCH" {
    return this.sniffed === undefined ? "UPLOAD.TYPE_UNSUPPORTED" : "UPLOAD.TYPE_MISMATCH"
  }
  override get message() {
    return this.sniffed === undefined
      ? `the file is not one of ${UPLOAD_TYPES.join(", ")} (judged by its content)`
      : `the file's content is ${this.sniffed} but the request says ${this.declared || "nothing"}; send Content-Type: ${this.sniffed}`
  }
}

/** The file starts like an accepted type but its structure does not add up. */
export class UploadMalformed extends Data.TaggedError("UploadMalformed")<{ readonly reason: string }> {
  readonly code = "UPLOAD.MALFORMED"
  override get message() {
    return `the file cannot be accepted: ${this.reason}`
  }
}

/** Unknown, or not yours: the same answer. */
export class UploadNotFound extends Data.TaggedError("UploadNotFound")<{ readonly uploadId: string }> {
  readonly code = "UPLOAD.NOT_FOUND"
  override get message() {
    return `there is no upload ${this.uploadId} of yours`
  }
}

/** A submission names uploads that are not the submitter's. */
export class UnknownUploads extends Data.TaggedError("UnknownUploads")<{ readonly uploadIds: ReadonlyArray<string> }> {
  readonly code = "UPLOAD.UNKNOWN"
  override get message() {
    return `these documents are not uploads of yours: ${this.uploadIds.join(", ")}`
  }
}
