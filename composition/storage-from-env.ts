/**
 * Where uploads are kept: an S3-compatible bucket when S3_BUCKET is set (then S3_ENDPOINT,
 * S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY and S3_REGION are required: start-up stops naming the
 * missing one), else a folder on local disk: UPLOADS_DIR, by default `<clone>/.data/uploads`.
 */
import { join } from "node:path"
import { Config, Effect, Layer, Option } from "effect"
import { repoRoot } from "../adapters/postgres/paths.js"
import { localDiskStorage } from "../adapters/storage/local-disk.js"
import { s3Storage } from "../adapters/storage/s3.js"

export const defaultUploadsDir = () => join(repoRoot, ".data", "uploads")

export const StorageFromEnv = Layer.unwrapEffect(
  Effect.gen(function* () {
    const bucket = yield* Config.option(Config.nonEmptyString("S3_BUCKET"))
    if (Option.isNone(bucket)) {
      const dir = Option.getOrElse(yield* Config.option(Config.nonEmptyString("UPLOADS_DIR")), defaultUploadsDir)
      yield* Effect.logInfo(`Storage: local disk (${dir})`)
      return localDiskStorage(dir)
    }
    const endpoint = yield* Config.url("S3_ENDPOINT")
    const region = yield* Config.nonEmptyString("S3_REGION")
    const accessKeyId = yield* Config.nonEmptyString("S3_ACCESS_KEY_ID")
    const secretAccessKey = yield* Config.redacted(Config.nonEmptyString("S3_SECRET_ACCESS_KEY"))
    yield* Effect.logInfo(`Storage: S3 bucket ${bucket.value} at ${endpoint.origin}`)
    return s3Storage({ endpoint: endpoint.toString(), bucket: bucket.value, region, accessKeyId, secretAccessKey })
  })
)
