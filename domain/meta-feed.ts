/**
 * Meta's product catalogue (shared/protocols/META.md): one feed row per sellable SKU, in the
 * columns and limits Meta's data feed and Catalog Batch API accept, and the feed as RFC 4180 CSV.
 * Pure: the rows are built from what the caller read; `validateFeedRow` states every column rule
 * so the feed, the batch requests and the tests all check against the same list.
 */
import { minorPerMajor } from "./money.js"
import type { Currency } from "./money.js"

/** The columns, in feed order: the required ones, then item_group_id (the variants of one product). */
export const FEED_COLUMNS = ["id", "title", "description", "availability", "condition", "price", "link", "image_link", "brand", "item_group_id"] as const
export type FeedColumn = (typeof FEED_COLUMNS)[number]
export type FeedRow = { readonly [C in FeedColumn]: string }

/** Lengths Meta allows, counted here in UTF-16 code units (never more than its characters). */
export const FEED_LIMITS = { id: 100, title: 200, description: 9_999, brand: 100, item_group_id: 100, link: 2_000, image_link: 2_000 } as const

export const AVAILABILITY = ["in stock", "out of stock"] as const
export const CONDITION = ["new", "refurbished", "used"] as const

/** One SKU as the catalogue holds it (a verified product of a verified store, brand verified or none). */
export interface FeedItem {
  readonly sku: string
  readonly productId: string
  readonly title: string
  readonly description: string
  /** the variant's price: its override, else the product's base price, in minor units */
  readonly priceMinor: number
  readonly currency: Currency
  /** on hand minus reserved, over every location */
  readonly available: number
  readonly media: ReadonlyArray<string>
  /** the verified brand's name, when the product has one */
  readonly brand: string | undefined
  readonly storeName: string
  /** the product's page (built by the caller from the storefront's address) */
  readonly link: string
}

// C0 and C1 control characters, DEL, and a UTF-16 surrogate without its pair. Newlines are
// controls too: a title becomes one line; a description keeps its line breaks (as \n).
// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const CONTROLS_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** One line: every control character (newlines too) becomes a space, runs of spaces one, trimmed. */
export const singleLine = (s: string): string => s.replace(CONTROLS, " ").replace(/ {2,}/g, " ").trim()

/** Line breaks kept (CR LF and CR become LF), every other control character dropped, trimmed. */
export const multiLine = (s: string): string =>
  s
    .replace(/\r\n?/g, "\n")
    .replace(CONTROLS_BUT_NEWLINE, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim()

const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" })

/** At most `max` UTF-16 code units, cut between graphemes (an emoji or a letter with its accent is never split). */
export const truncate = (s: string, max: number): string => {
  if (s.length <= max) return s
  // Two ASCII characters always have a grapheme break between them, except CR LF.
  const before = s.charCodeAt(max - 1)
  const after = s.charCodeAt(max)
  if (max > 0 && before < 0x80 && after < 0x80 && !(before === 0x0d && after === 0x0a)) return s.slice(0, max).trimEnd()
  let out = ""
  // A break at position k depends only on the text before k and the code point at k (UAX #29's rules
  // look back, and one code point ahead), so the graphemes ending within `max` are the same in the
  // whole as in the first max + 2 code units: the code point at `max` whole, even when it is a
  // surrogate pair (with max + 1, a flag's second regional indicator was cut in half, looked like no
  // indicator at all, and the first one was kept alone).
  for (const { segment } of segmenter.segment(s.slice(0, max + 2))) {
    if (out.length + segment.length > max) break
    out += segment
  }
  return out.trimEnd()
}

const PRICE = /^(0|[1-9]\d*)(\.\d{2})? [A-Z]{3}$/
// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const HTTP_URL = /^https?:\/\/[^\s/?#\u0000-\u001f\u007f-\u009f]+[^\s\u0000-\u001f\u007f-\u009f]*$/
const hasControl = (s: string, allowNewline: boolean) => new RegExp((allowNewline ? CONTROLS_BUT_NEWLINE : CONTROLS).source).test(s)

const pad = (n: number, width: number) => String(n).padStart(width, "0")

/** "1500.00 KES": the amount in major units with the currency's minor digits, a space, the ISO 4217 code. Integer arithmetic only. */
export const feedPrice = (minor: number, currency: Currency): string => {
  const per = minorPerMajor(currency)
  if (per === 1) return `${minor} ${currency}`
  const digits = String(per).length - 1
  return `${Math.floor(minor / per)}.${pad(minor % per, digits)} ${currency}`
}

/**
 * Null when Meta would refuse the item whatever we did: no usable image (image_link is required),
 * a SKU that cannot be an id (an id is never rewritten: it is how Meta knows the item), or nothing
 * printable left of the title.
 */
export const feedRow = (item: FeedItem): FeedRow | null => {
  const image = item.media.find((url) => url.length <= FEED_LIMITS.image_link && HTTP_URL.test(url))
  if (image === undefined) return null
  if (item.sku.trim() === "" || item.sku.length > FEED_LIMITS.id || hasControl(item.sku, false)) return null
  const title = truncate(singleLine(item.title), FEED_LIMITS.title)
  const description = truncate(multiLine(item.description), FEED_LIMITS.description)
  // Meta wants a brand: an unbranded product is the store's own
  const brand = truncate(singleLine(item.brand ?? "") || singleLine(item.storeName), FEED_LIMITS.brand)
  if (title === "" || brand === "" || !HTTP_URL.test(item.link) || item.link.length > FEED_LIMITS.link) return null
  return {
    id: item.sku,
    title,
    // Meta wants a description; a product without one is described by its title
    description: description === "" ? title : description,
    availability: item.available > 0 ? "in stock" : "out of stock",
    condition: "new",
    price: feedPrice(item.priceMinor, item.currency),
    link: item.link,
    image_link: image,
    brand,
    item_group_id: item.productId
  }
}

/** Every rule a row breaks (empty: Meta accepts it). */
export const validateFeedRow = (row: Readonly<Record<string, string>>): ReadonlyArray<string> => {
  const problems: Array<string> = []
  for (const column of FEED_COLUMNS) {
    const value = row[column]
    if (value === undefined) {
      problems.push(`${column}: missing`)
      continue
    }
    if (value.trim() === "") problems.push(`${column}: empty`)
    if (hasControl(value, column === "description")) problems.push(`${column}: a control character`)
    const limit = (FEED_LIMITS as Readonly<Record<string, number>>)[column]
    if (limit !== undefined && value.length > limit) problems.push(`${column}: ${value.length} characters, at most ${limit}`)
  }
  const extra = Object.keys(row).filter((k) => !(FEED_COLUMNS as ReadonlyArray<string>).includes(k))
  if (extra.length > 0) problems.push(`unknown columns: ${extra.join(", ")}`)
  if (row["availability"] !== undefined && !(AVAILABILITY as ReadonlyArray<string>).includes(row["availability"]))
    problems.push(`availability: ${JSON.stringify(row["availability"])} is not one of ${AVAILABILITY.join(", ")}`)
  if (row["condition"] !== undefined && !(CONDITION as ReadonlyArray<string>).includes(row["condition"]))
    problems.push(`condition: ${JSON.stringify(row["condition"])} is not one of ${CONDITION.join(", ")}`)
  if (row["price"] !== undefined && !PRICE.test(row["price"])) problems.push(`price: ${JSON.stringify(row["price"])} is not "<amount> <ISO 4217 code>"`)
  for (const column of ["link", "image_link"] as const)
    if (row[column] !== undefined && !HTTP_URL.test(row[column])) problems.push(`${column}: not an http(s) URL`)
  return problems
}

/** RFC 4180: a field with a quote, comma, CR or LF is quoted, its quotes doubled; records end in CRLF. */
export const csvField = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value)

export const feedCsv = (rows: ReadonlyArray<FeedRow>): string =>
  [FEED_COLUMNS.join(","), ...rows.map((r) => FEED_COLUMNS.map((c) => csvField(r[c])).join(","))].map((line) => `${line}\r\n`).join("")

/** The feed of a store's items: rows Meta would refuse (no image) are left out, ids unique (the first wins). */
export const feedRows = (items: ReadonlyArray<FeedItem>): ReadonlyArray<FeedRow> => {
  const seen = new Set<string>()
  const rows: Array<FeedRow> = []
  for (const item of items) {
    if (seen.has(item.sku)) continue
    const row = feedRow(item)
    if (row === null) continue
    seen.add(item.sku)
    rows.push(row)
  }
  return rows
}
