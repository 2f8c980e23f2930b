/** Small, structurally valid files with the metadata phones write into them, for the upload tests. */
import { crc32 } from "node:zlib"

const bytes = (...parts: ReadonlyArray<ArrayLike<number> | string>) =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(Array.from(p)))))

const u16 = (n: number) => [(n >> 8) & 0xff, n & 0xff]
const u32be = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]
const u32le = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]

const segment = (marker: number, payload: Buffer) => bytes([0xff, marker], u16(payload.length + 2), payload)

export const GPS_SECRET = "GPS -1.2606,36.8026 serial SN123456"

/** SOI, APP0 (JFIF), APP1 (Exif with a "GPS position"), COM, DQT, SOS + scan data, EOI. */
export const jpegWithExif = () =>
  bytes(
    [0xff, 0xd8],
    segment(0xe0, bytes("JFIF\0", [1, 1, 0, 0, 1, 0, 1, 0, 0])),
    segment(0xe1, bytes("Exif\0\0", GPS_SECRET)),
    segment(0xfe, bytes("comment: ", GPS_SECRET)),
    segment(0xdb, bytes([0], new Array(64).fill(1))),
    segment(0xda, bytes([1, 1, 0, 0, 0x3f, 0])),
    [0x12, 0x34, 0xff, 0x00, 0x56],
    [0xff, 0xd9]
  )

const chunk = (type: string, data: Buffer) => {
  const body = bytes(type, data)
  return bytes(u32be(data.length), body, u32be(crc32(body)))
}

/** IHDR, a tEXt chunk holding the secret, IDAT, IEND. */
export const pngWithText = () =>
  bytes(
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    chunk("IHDR", bytes(u32be(1), u32be(1), [8, 2, 0, 0, 0])),
    chunk("tEXt", bytes("Comment\0", GPS_SECRET)),
    chunk("IDAT", bytes([0x78, 0x9c, 0x63, 0x60, 0x60, 0x60, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01])),
    chunk("IEND", Buffer.alloc(0))
  )

const riffChunk = (type: string, data: Buffer) => bytes(type, u32le(data.length), data, data.length % 2 ? [0] : [])

/** RIFF/WEBP with VP8X (EXIF and XMP flags set), VP8L image data, EXIF and XMP chunks. */
export const webpWithExif = () => {
  const body = bytes(
    "WEBP",
    riffChunk("VP8X", bytes([0x08 | 0x04, 0, 0, 0], [0, 0, 0], [0, 0, 0])),
    riffChunk("VP8L", bytes([0x2f, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07, 0x00])),
    riffChunk("EXIF", bytes("Exif\0\0", GPS_SECRET)),
    riffChunk("XMP ", bytes("<x:xmpmeta>", GPS_SECRET, "</x:xmpmeta>"))
  )
  return bytes("RIFF", u32le(body.length), body)
}

export const tinyPdf = () => bytes("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

export const contains = (haystack: Uint8Array, needle: string) => Buffer.from(haystack).includes(Buffer.from(needle, "latin1"))
