/**
 * From a chat message to an order draft (issue 14): rule-based, deterministic, pure. A message in
 * Kenyan English, Swahili or Sheng ("nataka kitenge mbili size M, nitachukua Toi market") is read
 * into lines (product, variant, quantity), a delivery place from the geography tree and a contact
 * phone, each with a confidence, and the draft with one: the lowest of its parts. Only a draft that
 * is complete (every line's variant known, a place) and confident enough is acted on without a
 * person; the rest goes to the store's staff (the takeover queue).
 *
 * Matching is token by token with typo tolerance (optimal string alignment distance), over each
 * product's title and the aliases its seller sets, and over place names without their generic words
 * ("market", "locker", ...). Quantities come from digits ("2", "2pcs", "x2"), English and Swahili
 * number words in their noun-class forms ("mbili", "viwili", "vitatu"), "jozi"/"pair" (pairs) and
 * "dozen"/"dazeni"; a number after "size"/"saizi" is a size, after "ksh"/"bob" a price.
 */

export interface CatalogueVariant {
  readonly variantId: string
  /** e.g. { size: "M", colour: "red" } */
  readonly attributes: Readonly<Record<string, string>>
}

export interface CatalogueEntry {
  readonly productId: string
  readonly title: string
  /** names buyers use for it, set by the seller ("shuka", "akala") */
  readonly aliases: ReadonlyArray<string>
  readonly variants: ReadonlyArray<CatalogueVariant>
}

export interface Place {
  readonly id: string
  readonly kind: "COUNTY" | "TOWN" | "MARKET" | "PICKUP_POINT"
  readonly name: string
  /** other names for it ("tao" for the CBD) */
  readonly aliases?: ReadonlyArray<string> | undefined
}

export interface IntakeContext {
  readonly catalogue: ReadonlyArray<CatalogueEntry>
  readonly places: ReadonlyArray<Place>
}

export type Intent =
  /** names at least one product */
  | "ORDER"
  /** "yes", "ndio", "sawa": the answer to a "reply YES to pay" */
  | "CONFIRM"
  /** "no", "hapana", "cancel" */
  | "DECLINE"
  /** asks for a person: "agent", "mtu", "customer care" */
  | "AGENT"
  /** "stop": no more messages */
  | "STOP"
  /** asks a price without ordering */
  | "PRICE_QUESTION"
  /** a voice note or other media the parser cannot read */
  | "MEDIA"
  | "GREETING"
  | "UNKNOWN"

export interface DraftLine {
  readonly productId: string
  /** undefined when the product has several variants and the message does not say which */
  readonly variantId: string | undefined
  readonly quantity: number
  readonly confidence: number
  /** the words that named it */
  readonly matched: string
}

export interface Found<A> {
  readonly value: A
  readonly confidence: number
}

export interface ParsedMessage {
  readonly intent: Intent
  readonly lines: ReadonlyArray<DraftLine>
  readonly place: Found<string> | undefined
  /** a Kenyan mobile number in the message, normalised (2547XXXXXXXX) */
  readonly phone: Found<string> | undefined
  /** the lowest of the parts' confidences (0 when a part an order needs is missing) */
  readonly confidence: number
  /** an order draft complete and confident enough to be put to the buyer without a person */
  readonly confident: boolean
  /** what is missing or unsure, for the person who takes over */
  readonly doubts: ReadonlyArray<string>
}

export const DEFAULT_THRESHOLD = 0.8

/**
 * Longer messages are not read by the machine (a person is): a chat order is a few lines, and the
 * matching grows with the message times the catalogue, so a pasted essay would hold a worker for
 * seconds. WhatsApp allows 4,096 characters, Instagram 1,000.
 */
export const MAX_PARSED_CHARS = 1_000

// ---------------------------------------------------------------------------------------------
// Words

// prettier-ignore
const NUMBER_WORDS: Readonly<Record<string, number>> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  moja: 1, kimoja: 1, mmoja: 1, mbili: 2, viwili: 2, mawili: 2, wawili: 2, tatu: 3, vitatu: 3, matatu: 3, watatu: 3,
  nne: 4, vinne: 4, manne: 4, wanne: 4, tano: 5, vitano: 5, matano: 5, watano: 5, sita: 6, saba: 7, nane: 8, vinane: 8, tisa: 9, kumi: 10,
  dozen: 12, dazeni: 12, dozeni: 12
}

/** Words a quantity may stand next to without breaking the link to its item. */
// prettier-ignore
const FILLER = new Set([
  "pcs", "pc", "pieces", "piece", "vipande", "kipande", "of", "za", "ya", "vya", "cha", "la", "wa", "the", "nipe", "niletee", "nataka",
  "ninataka", "nitachukua", "natafuta", "want", "need", "order", "send", "me", "i", "please", "tafadhali", "pls", "plz", "bro", "sis", "boss",
  "pairs", "pair", "jozi", "more", "zaidi", "x", "ingine", "nyingine", "other", "another", "zingine", "and", "na", "pia", "also", "&", "+"
])
const PAIR_WORDS = new Set(["jozi", "pair", "pairs"])
const SIZE_WORDS = new Set(["size", "saizi", "sz", "namba", "number", "no"])
const PRICE_WORDS = new Set(["ksh", "kes", "kshs", "bob", "shillings", "shilingi", "sh", "shs", "/="])
const PLACE_GENERIC = new Set(["market", "soko", "la", "ya", "locker", "shop", "agent", "stage", "centre", "center", "mall", "the", "city", "town"])
const PLACE_CUE = new Set([
  "at",
  "to",
  "in",
  "kwa",
  "huko",
  "pale",
  "near",
  "karibu",
  "deliver",
  "deliveri",
  "delivery",
  "tuma",
  "leta",
  "pickup",
  "pick",
  "location"
])

// prettier-ignore
const COLOURS: Readonly<Record<string, string>> = {
  red: "red", nyekundu: "red", blue: "blue", bluu: "blue", buluu: "blue", black: "black", nyeusi: "black", white: "white", nyeupe: "white",
  green: "green", kijani: "green", yellow: "yellow", njano: "yellow", pink: "pink", pinki: "pink", brown: "brown", kahawia: "brown",
  grey: "grey", gray: "grey", orange: "orange", machungwa: "orange", purple: "purple", zambarau: "purple", maroon: "maroon"
}
const SIZES: Readonly<Record<string, string>> = { s: "S", small: "S", m: "M", medium: "M", l: "L", large: "L", xl: "XL", xxl: "XXL", xs: "XS" }

/** Everyday words matched exactly, never as a typo of a product or place ("market" is not "basket"). */
const EXACT_ONLY: ReadonlySet<string> = new Set([
  ...FILLER,
  ...PLACE_GENERIC,
  ...SIZE_WORDS,
  ...PRICE_WORDS,
  ...Object.keys(NUMBER_WORDS),
  ...Object.keys(COLOURS),
  ...Object.keys(SIZES)
])

const AGENT = [["agent"], ["mtu"], ["human"], ["customer", "care"], ["operator"], ["niongee", "na", "mtu"], ["real", "person"], ["mhudumu"]]
const STOP = [["stop"], ["unsubscribe"], ["acha", "kunitumia"], ["usinitumie"]]
const CONFIRM = new Set([
  "yes",
  "ndio",
  "ndiyo",
  "sawa",
  "ok",
  "okay",
  "yea",
  "yeah",
  "yap",
  "yep",
  "confirm",
  "poa",
  "ee",
  "eeh",
  "eh",
  "sure",
  "yess",
  "yes.",
  "naam",
  "haya"
])
const DECLINE = new Set(["no", "hapana", "cancel", "sitaki", "nope", "la"])
const ORDER_VERBS = new Set([
  "nataka",
  "ninataka",
  "want",
  "order",
  "nipe",
  "niletee",
  "tuma",
  "send",
  "buy",
  "nunua",
  "chukua",
  "nitachukua",
  "need",
  "nahitaji",
  "book",
  "reserve"
])
const PRICE_ASK = [["how", "much"], ["bei"], ["price"], ["pesa", "ngapi"], ["ni", "ngapi"], ["cost"]]
const GREETINGS = new Set([
  "hi",
  "hello",
  "hey",
  "habari",
  "sasa",
  "niaje",
  "mambo",
  "vipi",
  "jambo",
  "hujambo",
  "salaam",
  "good",
  "morning",
  "evening",
  "afternoon",
  "poa",
  "uko",
  "aje",
  "mko",
  "boss",
  "sis",
  "bro",
  "madam",
  "mum",
  "mama",
  "hallo",
  "sema",
  "wasup",
  "whatsup"
])
const MEDIA_MARK = /\[(voice note|audio|image|video|sticker|photo|picture)[^\]]*\]|<(audio|image|video|media)[^>]*>/i

// ---------------------------------------------------------------------------------------------
// Text

/** Lower case, accents folded, punctuation to spaces (digits, letters and '/' kept), one space between words. */
export const normaliseText = (text: string): string =>
  text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/['’](m|s|ll|re|ve|d|t)\b/g, "$1")
    .replace(/[^a-z0-9/&+\s]/g, " ")
    .replace(/\s+/g, " ")
    .trim()

export const tokens = (text: string): ReadonlyArray<string> => {
  const t = normaliseText(text)
  return t === "" ? [] : t.split(" ")
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions), capped at `max` + 1. */
export const editDistance = (a: string, b: string, max = 3): number => {
  if (a === b) return 0
  if (Math.abs(a.length - b.length) > max) return max + 1
  if (a.length === 0 || b.length === 0) return a.length + b.length
  const rows: Array<Array<number>> = []
  for (let i = 0; i <= a.length; i++) rows.push([i])
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j
  for (let i = 1; i <= a.length; i++) {
    let best = max + 1
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1)
      rows[i]![j] = d
      if (d < best) best = d
    }
    if (best > max) return max + 1
  }
  return rows[a.length]![b.length]!
}

/** How alike two words are, 0..1: exact 1; a plural "s" 0.97; then by edit distance (none for short words). */
export const wordSimilarity = (said: string, known: string): number => {
  if (said === known) return 1
  if (said === `${known}s` || known === `${said}s`) return 0.97
  if (/^\d+$/.test(said) || /^\d+$/.test(known)) return 0
  const shortest = Math.min(said.length, known.length)
  const allowed = shortest <= 3 || EXACT_ONLY.has(said) ? 0 : shortest <= 6 ? 1 : 2
  const d = editDistance(said, known, allowed)
  return d > allowed ? 0 : 1 - d / Math.max(said.length, known.length) / 1.5
}

// ---------------------------------------------------------------------------------------------
// Matching names

interface NameMatch {
  readonly start: number
  readonly end: number
  readonly score: number
}

/** Every place `name` (words) occurs in `words`, contiguously, every word alike enough, none taken; best first. */
const findAll = (words: ReadonlyArray<string>, name: ReadonlyArray<string>, taken: ReadonlyArray<boolean>): ReadonlyArray<NameMatch> => {
  const found: Array<NameMatch> = []
  if (name.length === 0) return found
  for (let start = 0; start + name.length <= words.length; start++) {
    let total = 0
    let ok = true
    for (let k = 0; k < name.length; k++) {
      const s = taken[start + k] ? 0 : wordSimilarity(words[start + k]!, name[k]!)
      if (s < 0.6) {
        ok = false
        break
      }
      total += s
    }
    if (ok) found.push({ start, end: start + name.length, score: total / name.length })
  }
  return found.sort((a, b) => b.score - a.score || a.start - b.start)
}

const findName = (words: ReadonlyArray<string>, name: ReadonlyArray<string>, taken: ReadonlyArray<boolean>): NameMatch | undefined =>
  findAll(words, name, taken)[0]

interface Candidate {
  readonly entry: CatalogueEntry
  readonly match: NameMatch
  /** the whole title or an alias (1), or one word of a longer title (lower) */
  readonly strength: number
}

const namesOf = (entry: CatalogueEntry): ReadonlyArray<ReadonlyArray<string>> => [tokens(entry.title), ...entry.aliases.map(tokens)].filter((n) => n.length > 0)

/** Words of titles that name more than one product say nothing about which. */
const sharedWords = (catalogue: ReadonlyArray<CatalogueEntry>): ReadonlySet<string> => {
  const seen = new Map<string, number>()
  for (const e of catalogue) for (const w of new Set(namesOf(e).flat())) seen.set(w, (seen.get(w) ?? 0) + 1)
  return new Set([...seen].filter(([, n]) => n > 1).map(([w]) => w))
}

const itemCandidates = (words: ReadonlyArray<string>, ctx: IntakeContext, taken: ReadonlyArray<boolean>): ReadonlyArray<Candidate> => {
  const shared = sharedWords(ctx.catalogue)
  const out: Array<Candidate> = []
  for (const entry of ctx.catalogue) {
    for (const name of namesOf(entry)) for (const m of findAll(words, name, taken)) out.push({ entry, match: m, strength: 1 })
    // one distinctive word of a multi-word title ("kitenge" for "Kitenge dress"), if not shared with another product
    const title = tokens(entry.title)
    if (title.length > 1)
      for (const w of title) {
        if (shared.has(w) || w.length < 4 || FILLER.has(w)) continue
        for (const m of findAll(words, [w], taken)) out.push({ entry, match: m, strength: 0.85 })
      }
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Quantities and variants

const quantityWord = (w: string): number | undefined => {
  const n = NUMBER_WORDS[w]
  if (n !== undefined) return n
  const m = /^(?:x)?(\d{1,3})(?:x|pcs|pc|pieces|p)?$/.exec(w)
  return m ? Number(m[1]) : undefined
}

interface Quantity {
  readonly value: number
  readonly explicit: boolean
  readonly at: ReadonlyArray<number>
}

const isPriceAt = (words: ReadonlyArray<string>, i: number) =>
  PRICE_WORDS.has(words[i - 1] ?? "") || PRICE_WORDS.has(words[i + 1] ?? "") || /^\d+(k|bob|\/=)$/.test(words[i]!)
const isSizeAt = (words: ReadonlyArray<string>, i: number) => SIZE_WORDS.has(words[i - 1] ?? "")

/** The quantity for the item at [start, end): a number word just before (fillers skipped) or just after it. */
const quantityFor = (words: ReadonlyArray<string>, start: number, end: number, used: ReadonlyArray<boolean>, sizes: ReadonlySet<string>): Quantity => {
  const usable = (i: number) => {
    const q = quantityWord(words[i]!)
    return q !== undefined && q >= 1 && q <= 50 && !used[i] && !isPriceAt(words, i) && !isSizeAt(words, i) && !sizes.has(words[i]!) ? q : undefined
  }
  const describes = (w: string) => FILLER.has(w) || COLOURS[w] !== undefined || SIZES[w] !== undefined || SIZE_WORDS.has(w) || sizes.has(w)
  // before: "mbili", "2 pcs", "jozi mbili za", "x2", "2 red"
  for (let i = start - 1, hops = 0; i >= 0 && hops < 4; i--, hops++) {
    const q = usable(i)
    if (q !== undefined) return { value: q, explicit: true, at: [i] }
    if (!describes(words[i]!)) break
  }
  // after: "kikoi 2", "kikoi x 2", "sandals jozi mbili", "shuka red mbili", "shirt size XL 3 pcs"
  for (let i = end, hops = 0; i < words.length && hops < 5; i++, hops++) {
    const q = usable(i)
    if (q !== undefined) return { value: q, explicit: true, at: [i] }
    if (!describes(words[i]!)) break
  }
  // "a kikoi", "an ankara shirt", "jozi ya sandals" (one pair)
  const before = words[start - 1]
  if (before === "a" || before === "an" || (before !== undefined && PAIR_WORDS.has(before)) || before === "moja")
    return { value: 1, explicit: true, at: [start - 1] }
  return { value: 1, explicit: false, at: [] }
}

interface VariantPick {
  readonly variantId: string | undefined
  readonly confidence: number
  readonly doubt?: string
}

/** Picks the variant from the descriptor words (colours, sizes) that belong to this item. */
const pickVariant = (entry: CatalogueEntry, described: ReadonlyArray<string>): VariantPick => {
  if (entry.variants.length === 1) return { variantId: entry.variants[0]!.variantId, confidence: 1 }
  if (entry.variants.length === 0) return { variantId: undefined, confidence: 0, doubt: `${entry.title}: no variant on sale` }
  const said = new Set<string>()
  for (const w of described) {
    const colour = COLOURS[w]
    if (colour !== undefined) said.add(`colour:${colour}`)
    const size = SIZES[w]
    if (size !== undefined) said.add(`size:${size}`)
    if (/^\d{2}$/.test(w)) said.add(`size:${w}`)
  }
  const scored = entry.variants.map((v) => {
    const attrs = Object.entries(v.attributes).map(
      ([k, value]) => `${k === "color" ? "colour" : k}:${k === "size" ? value.toUpperCase() : value.toLowerCase()}`
    )
    const hits = attrs.filter((a) => said.has(a) || said.has(a.toLowerCase())).length
    return { v, hits, of: attrs.length }
  })
  const best = Math.max(...scored.map((s) => s.hits))
  if (best === 0) return { variantId: undefined, confidence: 0.5, doubt: `${entry.title}: which ${variantAxes(entry)}?` }
  const top = scored.filter((s) => s.hits === best)
  if (top.length > 1) return { variantId: undefined, confidence: 0.5, doubt: `${entry.title}: which ${variantAxes(entry)}?` }
  return { variantId: top[0]!.v.variantId, confidence: top[0]!.hits === top[0]!.of ? 1 : 0.9 }
}

const variantAxes = (entry: CatalogueEntry) => [...new Set(entry.variants.flatMap((v) => Object.keys(v.attributes)))].join(" and ") || "one"

// ---------------------------------------------------------------------------------------------
// Places and phones

/** A place's names as word lists, each with the full name's length: "Nyali Centre Locker" is also just "nyali" (1 of 3 words). */
/**
 * A place's names as word lists, each with the full name's length. "Nyali Centre Locker" is also
 * "nyali centre" and "nyali" (generic words dropped from the end, then all of them), each covering
 * fewer of its words, so the town "Nyali" said in full wins over it.
 */
const placeNames = (p: Place): ReadonlyArray<{ readonly words: ReadonlyArray<string>; readonly of: number }> =>
  [p.name, ...(p.aliases ?? [])].flatMap((n) => {
    const full = tokens(n.replace(/\([^)]*\)/g, " "))
    const out = [{ words: full, of: full.length }]
    let shorter = full
    while (shorter.length > 1 && PLACE_GENERIC.has(shorter[shorter.length - 1]!)) {
      shorter = shorter.slice(0, -1)
      out.push({ words: shorter, of: full.length })
    }
    const key = full.filter((w) => !PLACE_GENERIC.has(w))
    if (key.length > 0 && key.length < shorter.length) out.push({ words: key, of: full.length })
    return out
  })

const SPECIFICITY: Readonly<Record<Place["kind"], number>> = { PICKUP_POINT: 3, MARKET: 2, TOWN: 1, COUNTY: 0 }

const findPlace = (words: ReadonlyArray<string>, places: ReadonlyArray<Place>, taken: ReadonlyArray<boolean>): { found?: Found<string>; doubt?: string } => {
  const hits: Array<{ place: Place; score: number; words: number; coverage: number }> = []
  for (const place of places) {
    let best: { score: number; words: number; coverage: number } | undefined
    for (const name of placeNames(place)) {
      const m = findName(words, name.words, taken)
      if (m === undefined || m.score < 0.8) continue
      const cued = PLACE_CUE.has(words[m.start - 1] ?? "") ? 0.03 : 0
      const hit = { score: Math.min(1, m.score + cued), words: name.words.length, coverage: name.words.length / name.of }
      if (best === undefined || hit.words > best.words || (hit.words === best.words && (hit.coverage > best.coverage || hit.score > best.score))) best = hit
    }
    if (best !== undefined) hits.push({ place, ...best })
  }
  if (hits.length === 0) return { doubt: "no delivery place named" }
  // the most words matched win ("sarit centre" over "westlands"), then the name said most fully ("Nyali" the town over
  // "Nyali Centre Locker"), then the most specific kind, then the score
  hits.sort((a, b) => b.words - a.words || b.coverage - a.coverage || SPECIFICITY[b.place.kind] - SPECIFICITY[a.place.kind] || b.score - a.score)
  const [first, second] = hits
  if (
    second !== undefined &&
    second.words === first!.words &&
    second.coverage === first!.coverage &&
    SPECIFICITY[second.place.kind] === SPECIFICITY[first!.place.kind] &&
    second.score === first!.score
  )
    return { found: { value: first!.place.id, confidence: 0.5 }, doubt: `the place could be ${first!.place.name} or ${second.place.name}` }
  // a place name that is also a county's only: a town or market is wanted for delivery
  if (first!.place.kind === "COUNTY") return { found: { value: first!.place.id, confidence: 0.6 }, doubt: `${first!.place.name}: which town or pickup point?` }
  return { found: { value: first!.place.id, confidence: first!.score } }
}

const PHONE = /(?:\+?254|0)[\s-]?[17]\d{2}[\s-]?\d{3}[\s-]?\d{3}/

/** A Kenyan mobile number in the message, normalised, and the text without it (its digits are no quantity). */
const findPhone = (text: string): { phone?: Found<string>; rest: string } => {
  const m = PHONE.exec(text)
  if (m === null) return { rest: text }
  const digits = m[0].replace(/[\s+-]/g, "")
  const subscriber = digits.startsWith("254") ? digits.slice(3) : digits.slice(1)
  return { phone: { value: `254${subscriber}`, confidence: 1 }, rest: text.replace(m[0], " ") }
}

// ---------------------------------------------------------------------------------------------
// The parse

const hasPhrase = (words: ReadonlyArray<string>, phrases: ReadonlyArray<ReadonlyArray<string>>) =>
  phrases.some((p) => words.some((_, i) => p.every((w, k) => words[i + k] === w)))

export const parseMessage = (text: string, ctx: IntakeContext, threshold = DEFAULT_THRESHOLD): ParsedMessage => {
  if (text.length > MAX_PARSED_CHARS)
    return { intent: "UNKNOWN", lines: [], place: undefined, phone: undefined, confidence: 0, confident: false, doubts: ["too long to read automatically"] }
  const { phone, rest } = findPhone(text)
  const none = (intent: Intent, doubts: ReadonlyArray<string> = []): ParsedMessage => ({
    intent,
    lines: [],
    place: undefined,
    phone,
    confidence: 0,
    confident: false,
    doubts
  })
  if (MEDIA_MARK.test(text) && tokens(text.replace(MEDIA_MARK, " ")).length === 0)
    return none("MEDIA", ["a voice note or picture: a person must listen or look"])
  const words = tokens(rest)
  if (words.length === 0) return none("UNKNOWN", ["an empty message"])
  if (hasPhrase(words, STOP)) return none("STOP")
  if (hasPhrase(words, AGENT)) return none("AGENT", ["asked for a person"])
  if (words.length <= 3 && CONFIRM.has(words[0]!) && words.every((w) => CONFIRM.has(w) || FILLER.has(w) || GREETINGS.has(w) || w === "pay" || w === "lipa"))
    return none("CONFIRM")
  if (words.length <= 3 && DECLINE.has(words[0]!)) return none("DECLINE")

  // items: the strongest, longest matches first, without overlapping
  const taken = words.map(() => false)
  const chosen: Array<Candidate> = []
  const weight = (c: Candidate) => c.strength * c.match.score * (c.match.end - c.match.start)
  const candidates = [...itemCandidates(words, ctx, taken)].sort((a, b) => weight(b) - weight(a) || a.match.start - b.match.start)
  for (const c of candidates) {
    let free = true
    for (let i = c.match.start; i < c.match.end; i++) if (taken[i]) free = false
    if (!free) continue
    // the same product named twice by two of its names at once ("kiondo basket") counts once
    if (chosen.some((o) => o.entry.productId === c.entry.productId && (o.match.end === c.match.start || c.match.end === o.match.start))) continue
    chosen.push(c)
    for (let i = c.match.start; i < c.match.end; i++) taken[i] = true
  }
  chosen.sort((a, b) => a.match.start - b.match.start)

  // each descriptor word (colour, size) belongs to the nearest item; a tie goes to the item before it
  const isDescriptor = (w: string, i: number) =>
    !taken[i] && (COLOURS[w] !== undefined || (SIZES[w] !== undefined && (w.length > 1 || i > 0)) || (/^\d{2}$/.test(w) && !isPriceAt(words, i)))
  const owner = words.map((w, i) => {
    if (!isDescriptor(w, i)) return -1
    let best = -1
    let bestDistance = Infinity
    chosen.forEach((c, k) => {
      const distance = i < c.match.start ? c.match.start - i + 0.5 : i - c.match.end + 1
      if (distance < bestDistance) {
        best = k
        bestDistance = distance
      }
    })
    return bestDistance <= 6 ? best : -1
  })
  const doubts: Array<string> = []
  const used = words.map(() => false)
  const lines: Array<DraftLine> = []
  let counted = false
  chosen.forEach((c, k) => {
    const sizes = new Set(c.entry.variants.map((v) => v.attributes["size"] ?? "").filter((s) => /^\d+$/.test(s)))
    const q = quantityFor(words, c.match.start, c.match.end, used, sizes)
    for (const i of q.at) used[i] = true
    counted ||= q.explicit
    const variant = pickVariant(
      c.entry,
      words.filter((_, i) => owner[i] === k)
    )
    if (variant.doubt !== undefined) doubts.push(variant.doubt)
    const confidence = round(c.match.score * c.strength * (q.explicit ? 1 : 0.92) * variant.confidence)
    const existing = lines.findIndex((l) => l.productId === c.entry.productId && l.variantId === variant.variantId)
    const line = {
      productId: c.entry.productId,
      variantId: variant.variantId,
      quantity: q.value,
      confidence,
      matched: words.slice(c.match.start, c.match.end).join(" ")
    }
    if (existing >= 0) {
      const was = lines[existing]!
      lines[existing] = { ...was, quantity: was.quantity + line.quantity, confidence: Math.min(was.confidence, line.confidence) }
    } else lines.push(line)
  })
  // a count no item claimed ("is the kiondo available? I want 2"): the quantities read may be wrong
  const stray = words.some((w, i) => {
    const q = quantityWord(w)
    return q !== undefined && q >= 1 && q <= 50 && !used[i] && !taken[i] && !isPriceAt(words, i) && !isSizeAt(words, i) && !/^\d{2}$/.test(w) && /\d/.test(w)
  })
  if (stray) {
    doubts.push("a number not linked to any item")
    for (let k = 0; k < lines.length; k++) lines[k] = { ...lines[k]!, confidence: Math.min(lines[k]!.confidence, 0.5) }
  }
  const placeTaken = words.map((_, i) => taken[i]!)
  const where = findPlace(words, ctx.places, placeTaken)
  if (where.doubt !== undefined) doubts.push(where.doubt)

  if (lines.length === 0) {
    if (hasPhrase(words, PRICE_ASK)) return { ...none("PRICE_QUESTION", ["a price question"]), place: where.found }
    if (words.every((w) => GREETINGS.has(w) || FILLER.has(w))) return none("GREETING")
    return { ...none("UNKNOWN", ["no product recognised"]), place: where.found }
  }
  const intent: Intent = hasPhrase(words, PRICE_ASK) && !counted && !words.some((w) => ORDER_VERBS.has(w)) ? "PRICE_QUESTION" : "ORDER"
  const confidence = round(Math.min(...lines.map((l) => l.confidence), where.found?.confidence ?? 0))
  const complete = intent === "ORDER" && where.found !== undefined && lines.every((l) => l.variantId !== undefined)
  if (intent === "PRICE_QUESTION") doubts.push("a price question")
  return { intent, lines, place: where.found, phone, confidence, confident: complete && confidence >= threshold, doubts }
}

const round = (n: number) => Math.round(n * 1000) / 1000
