/** Uploaded files: the type comes from the bytes; images lose their metadata and nothing else; broken structure is refused. */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { sniffType, stripMetadata } from "../../domain/upload-content.js"
import type { UploadType } from "../../domain/upload-content.js"
import { contains, GPS_SECRET, jpegWithExif, pngWithText, tinyPdf, webpWithExif } from "../support/upload-files.js"

const samples: ReadonlyArray<[UploadType, Buffer]> = [
  ["image/jpeg", jpegWithExif()],
  ["image/png", pngWithText()],
  ["image/webp", webpWithExif()],
  ["application/pdf", tinyPdf()]
]

const clean = (type: UploadType, bytes: Uint8Array) => {
  const r = stripMetadata(type, bytes)
  if (!r.ok) throw new Error(r.reason)
  return r.bytes
}

describe("upload content", () => {
  it("sniffs each accepted type from its magic bytes, and nothing else", () => {
    for (const [type, bytes] of samples) expect(sniffType(bytes)).toBe(type)
    for (const other of ["GIF89a", "<svg", "PK\u0003\u0004", "\u0000\u0000\u0000\u0000", ""]) expect(sniffType(Buffer.from(other, "latin1"))).toBeUndefined()
  })

  it("strips EXIF, XMP, comments and text chunks, keeps the type, and a second pass changes nothing", () => {
    for (const [type, bytes] of samples.slice(0, 3)) {
      expect(contains(bytes, GPS_SECRET)).toBe(true)
      const once = clean(type, bytes)
      expect(contains(once, GPS_SECRET), type).toBe(false)
      expect(sniffType(once)).toBe(type)
      expect(clean(type, once)).toEqual(once)
    }
    const webp = clean("image/webp", webpWithExif())
    expect(webp[20]! & 0x0c).toBe(0) // VP8X: the EXIF and XMP flags are cleared
    expect(Buffer.from(webp).readUInt32LE(4)).toBe(webp.length - 8) // the RIFF size follows
  })

  it("the image data itself is untouched: JPEG scan data and PNG IDAT survive byte for byte", () => {
    const jpeg = jpegWithExif()
    const scan = jpeg.subarray(jpeg.indexOf(Buffer.from([0xff, 0xda])))
    expect(Buffer.from(clean("image/jpeg", jpeg)).includes(scan)).toBe(true)
    const png = pngWithText()
    const idat = png.subarray(png.indexOf("IDAT") - 4, png.indexOf("IEND") - 4)
    expect(Buffer.from(clean("image/png", png)).includes(idat)).toBe(true)
  })

  it("a truncated or corrupted file is refused or cleaned, never crashes, and a cleaned one never grows", () => {
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), ([type, bytes], cut, at, value) => {
        const broken = Buffer.from(bytes.subarray(0, Math.max(4, cut % (bytes.length + 1))))
        if (broken.length > 8) broken[8 + (at % (broken.length - 8))] = value
        const r = stripMetadata(type, broken)
        if (r.ok) expect(r.bytes.length).toBeLessThanOrEqual(broken.length + 0)
        else expect(r.reason.length).toBeGreaterThan(0)
      })
    )
  })

  it("refuses a PNG with an unknown critical chunk and a JPEG without image data", () => {
    const png = pngWithText()
    const renamed = Buffer.from(png)
    renamed.write("ABCD", png.indexOf("tEXt"), "latin1")
    expect(stripMetadata("image/png", renamed).ok).toBe(false)
    expect(stripMetadata("image/jpeg", Buffer.from([0xff, 0xd8, 0xff, 0xd9])).ok).toBe(false)
  })
})
