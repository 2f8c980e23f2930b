/**
 * Uploaded files (KYC documents, product photos): what a file is, decided from its bytes (magic
 * numbers), never from its name or the Content-Type a client claims; and images without the
 * metadata a phone camera writes into them (EXIF: GPS position, device serial, time; XMP; text
 * chunks). Stripping is done here by walking the container formats, not by re-encoding: no
 * image library needed, the pixels are untouched, and a file whose structure does not add up is
 * refused rather than passed on.
 *
 * JPEG: segments APP1 (Exif, XMP), APP3-APP13, APP15 and COM are dropped; APP0 (JFIF), APP2 (ICC
 * colour profile) and APP14 (Adobe colour transform) are kept, they change how pixels render.
 * PNG: only the chunks needed to render are kept (IHDR, PLTE, IDAT, IEND, tRNS, gAMA, cHRM, sRGB,
 * iCCP, sBIT, bKGD, pHYs); tEXt, zTXt, iTXt, eXIf, tIME and anything unknown are dropped.
 * WebP: EXIF and XMP chunks are dropped and their VP8X flags cleared.
 * PDF: checked by its header and kept as sent (a PDF's Info dictionary is not rewritten here).
 */
export const UPLOAD_TYPES = ["image/jpeg", "image/png", "image/webp", "application/pdf"] as const
export type UploadType = (typeof UPLOAD_TYPES)[number]

/** 5 MiB: a phone photo of an ID card or a scanned permit fits; anything larger is not a document. */
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024

const startsWith = (bytes: Uint8Array, prefix: ReadonlyArray<number>, at = 0) =>
  bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b)

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0))
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/** The type the bytes say they are, or undefined when they are none of ours. */
export const sniffType = (bytes: Uint8Array): UploadType | undefined => {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg"
  if (startsWith(bytes, PNG_SIGNATURE)) return "image/png"
  if (startsWith(bytes, ascii("RIFF")) && startsWith(bytes, ascii("WEBP"), 8)) return "image/webp"
  if (startsWith(bytes, ascii("%PDF-"))) return "application/pdf"
  return undefined
}

export type CleanResult = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly reason: string }

const fail = (reason: string): CleanResult => ({ ok: false, reason })

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

// JPEG markers: SOI D8, EOI D9, SOS DA, RSTn D0-D7 and TEM 01 have no length; APPn E0-EF, COM FE.
const JPEG_DROP = (marker: number) => marker === 0xfe || marker === 0xe1 || (marker >= 0xe3 && marker <= 0xed) || marker === 0xef

const cleanJpeg = (bytes: Uint8Array): CleanResult => {
  const parts: Array<Uint8Array> = [bytes.subarray(0, 2)]
  let at = 2
  for (;;) {
    if (at >= bytes.length) return fail("the JPEG ends before its image data")
    if (bytes[at] !== 0xff) return fail("the JPEG's segments do not line up")
    // fill bytes: any number of 0xFF before a marker
    let m = at + 1
    while (m < bytes.length && bytes[m] === 0xff) m++
    if (m >= bytes.length) return fail("the JPEG ends before its image data")
    const marker = bytes[m]!
    if (marker === 0xd9) return fail("the JPEG has no image data")
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      parts.push(bytes.subarray(at, m + 1))
      at = m + 1
      continue
    }
    if (m + 2 >= bytes.length) return fail("the JPEG ends inside a segment header")
    const length = (bytes[m + 1]! << 8) | bytes[m + 2]!
    if (length < 2 || m + 1 + length > bytes.length) return fail("a JPEG segment runs past the end of the file")
    const end = m + 1 + length
    // Start of scan: the entropy-coded data and everything after it are kept as they are.
    if (marker === 0xda) {
      parts.push(bytes.subarray(at))
      return { ok: true, bytes: concat(parts) }
    }
    if (!JPEG_DROP(marker)) parts.push(bytes.subarray(at, end))
    at = end
  }
}

const PNG_KEEP: ReadonlySet<string> = new Set(["IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "cHRM", "sRGB", "iCCP", "sBIT", "bKGD", "pHYs"])

const u32be = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0
const u32le = (b: Uint8Array, at: number) => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0
const fourcc = (b: Uint8Array, at: number) => String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!)

const cleanPng = (bytes: Uint8Array): CleanResult => {
  const parts: Array<Uint8Array> = [bytes.subarray(0, 8)]
  let at = 8
  let first = true
  for (;;) {
    if (at + 12 > bytes.length) return fail("the PNG ends before its IEND chunk")
    const length = u32be(bytes, at)
    const type = fourcc(bytes, at + 4)
    const end = at + 12 + length
    if (length > 0x7fffffff || end > bytes.length) return fail("a PNG chunk runs past the end of the file")
    if (!/^[A-Za-z]{4}$/.test(type)) return fail("the PNG's chunks do not line up")
    if (first && type !== "IHDR") return fail("the PNG does not start with IHDR")
    first = false
    // An unknown critical chunk (upper-case first letter) cannot be dropped safely: refuse the file.
    if (!PNG_KEEP.has(type) && type[0]! >= "A" && type[0]! <= "Z") return fail(`the PNG has an unknown critical chunk ${type}`)
    if (PNG_KEEP.has(type)) parts.push(bytes.subarray(at, end))
    at = end
    if (type === "IEND") return { ok: true, bytes: concat(parts) }
  }
}

const VP8X_EXIF = 0x08
const VP8X_XMP = 0x04

const cleanWebp = (bytes: Uint8Array): CleanResult => {
  if (bytes.length < 20) return fail("the WebP is too short")
  const riffEnd = 8 + u32le(bytes, 4)
  if (riffEnd > bytes.length || riffEnd < 12) return fail("the WebP's RIFF size does not match the file")
  const parts: Array<Uint8Array> = []
  let at = 12
  let image = false
  while (at < riffEnd) {
    if (at + 8 > riffEnd) return fail("the WebP's chunks do not line up")
    const type = fourcc(bytes, at)
    const size = u32le(bytes, at + 4)
    const end = at + 8 + size + (size % 2)
    if (end > riffEnd) return fail("a WebP chunk runs past the end of the file")
    if (type === "VP8 " || type === "VP8L" || type === "ANIM") image = true
    if (type === "VP8X") {
      if (size < 10) return fail("the WebP's VP8X chunk is too short")
      const chunk = bytes.slice(at, end)
      chunk[8] = chunk[8]! & ~(VP8X_EXIF | VP8X_XMP)
      parts.push(chunk)
    } else if (type !== "EXIF" && type !== "XMP ") parts.push(bytes.subarray(at, end))
    at = end
  }
  if (!image) return fail("the WebP has no image data")
  const body = concat(parts)
  const header = new Uint8Array(12)
  header.set(bytes.subarray(0, 12))
  const riffSize = body.length + 4
  header[4] = riffSize & 0xff
  header[5] = (riffSize >>> 8) & 0xff
  header[6] = (riffSize >>> 16) & 0xff
  header[7] = (riffSize >>> 24) & 0xff
  return { ok: true, bytes: concat([header, body]) }
}

const cleanPdf = (bytes: Uint8Array): CleanResult =>
  /^%PDF-[12]\.\d/.test(String.fromCharCode(...bytes.subarray(0, 8))) ? { ok: true, bytes } : fail("the PDF header is not valid")

/** The file without its metadata, or why its structure is refused. `type` is what sniffType said. */
export const stripMetadata = (type: UploadType, bytes: Uint8Array): CleanResult => {
  switch (type) {
    case "image/jpeg":
      return cleanJpeg(bytes)
    case "image/png":
      return cleanPng(bytes)
    case "image/webp":
      return cleanWebp(bytes)
    case "application/pdf":
      return cleanPdf(bytes)
  }
}
