/**
 * The rule-based chat parser (domain/intake.ts): worked examples in Swahili, English and Sheng, the
 * corpus figures (of the drafts it marks confident, at least 98% right; and it must mark most
 * complete orders confident, or "confident" would be worthless), and its invariants as properties.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { editDistance, MAX_PARSED_CHARS, parseMessage, tokens, wordSimilarity } from "../../domain/intake.js"
import { CONTEXT, CORPUS, HELD_OUT } from "./corpus.js"
import { score } from "./score.js"

const read = (text: string) => parseMessage(text, CONTEXT)
const lines = (text: string) => read(text).lines.map((l) => [l.productId, l.variantId ?? null, l.quantity])

describe("worked examples", () => {
  it("Swahili: quantity words, a size, a market; a confident draft", () => {
    const p = read("Nataka kitenge dress mbili size M, niletee Toi market")
    expect(p).toMatchObject({ intent: "ORDER", place: { value: "KE-047-toi-market" }, confident: true })
    expect(lines("Nataka kitenge dress mbili size M, niletee Toi market")).toEqual([["kd", "var_kd_m", 2]])
  })

  it("noun-class number words and 'jozi' (pairs): vikoi viwili, jozi mbili za sandals size 42", () => {
    expect(lines("ninataka vikoi viwili vya blue, tuma Nyali")).toEqual([["kk", "var_kk_blue", 2]])
    expect(lines("Niletee jozi mbili za sandals size 42 huko Kongowea market")).toEqual([["sd", "var_sd_42", 2]])
    expect(lines("shanga dozen moja, Toi market")).toEqual([["nk", "var_nk", 12]])
  })

  it("several items, each with its own colour or size (a descriptor belongs to the nearest item)", () => {
    expect(lines("i want a blue kikoi and a green kikoi, bamburi")).toEqual([
      ["kk", "var_kk_blue", 1],
      ["kk", "var_kk_green", 1]
    ])
    expect(lines("shuka red 2, shuka blue 1, Gikomba")).toEqual([
      ["sh", "var_sh_red", 2],
      ["sh", "var_sh_blue", 1]
    ])
  })

  it("typos in products and places; 'market' is not a typo of 'basket'", () => {
    expect(read("nataka kitnge dress size M mbili, Toi markt")).toMatchObject({
      lines: [{ productId: "kd", quantity: 2 }],
      place: { value: "KE-047-toi-market" }
    })
    expect(lines("Kindly send 1 blue kikoi to Mackinnon market")).toEqual([["kk", "var_kk_blue", 1]])
  })

  it("the place said in full wins: the town Nyali, not Nyali Centre Locker; 'Nyali centre' is the locker", () => {
    expect(read("Dera moja tafadhali, Nyali").place?.value).toBe("KE-001-nyali")
    expect(read("niletee baby carrier mbili tafadhali, Nyali centre").place?.value).toBe("KE-001-nyali-centre-locker")
    expect(read("2 kiondo + 2 shanga, tao").place?.value).toBe("KE-047-cbd")
  })

  it("a phone in the message is found, normalised, and its digits are no quantity", () => {
    const p = read("nataka kiondo 2, Toi market, namba yangu ni 0712 345 678")
    expect(p.phone?.value).toBe("254712345678")
    expect(p.lines.map((l) => l.quantity)).toEqual([2])
  })

  it("not confident: no variant, no place, only a county, a stray number, a price question", () => {
    for (const text of [
      "nataka kitenge dress mbili, Toi market",
      "nataka kiondo mbili",
      "nipe shanga mbili, niko Mombasa",
      "Hi, is the kiondo available? I want 2, Westlands"
    ])
      expect([text, read(text).confident]).toEqual([text, false])
    expect(read("Bei ya kitenge dress ni ngapi?")).toMatchObject({ intent: "PRICE_QUESTION", confident: false })
    expect(read("nataka kitenge dress mbili, Toi market").doubts).toContain("Kitenge dress: which size?")
  })

  it("answers and requests: YES, hapana, agent/mtu, STOP, a voice note, a greeting", () => {
    expect(["YES", "ndio", "sawa", "hapana", "agent", "Nipe mtu tafadhali", "STOP", "[voice note 0:12]", "Habari"].map((t) => read(t).intent)).toEqual([
      "CONFIRM",
      "CONFIRM",
      "CONFIRM",
      "DECLINE",
      "AGENT",
      "AGENT",
      "STOP",
      "MEDIA",
      "GREETING"
    ])
    expect(read("Mnafunga saa ngapi?").intent).toBe("UNKNOWN")
  })

  it("a message longer than MAX_PARSED_CHARS is left to a person, unread (a pasted essay must not hold a worker)", () => {
    const order = "nataka kitenge dress mbili size M, Toi market. "
    const long = order.repeat(Math.ceil((MAX_PARSED_CHARS + 1) / order.length))
    expect(read(long)).toMatchObject({ intent: "UNKNOWN", lines: [], confident: false, doubts: ["too long to read automatically"] })
    expect(read(order.repeat(Math.floor(MAX_PARSED_CHARS / order.length)))).toMatchObject({ intent: "ORDER", confident: true })
  })
})

describe("the corpus", () => {
  it(`at least 200 messages; of the drafts marked confident >= 98% are right; most complete orders are marked confident`, () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(200)
    for (const [name, samples] of [
      ["corpus", CORPUS],
      ["held out", HELD_OUT]
    ] as const) {
      const s = score(samples, CONTEXT)
      expect(s.precision, `${name}, confident but wrong: ${s.wrongButConfident.join(" | ")}`).toBeGreaterThanOrEqual(0.98)
      expect(s.coverage, name).toBeGreaterThanOrEqual(0.85)
      expect(s.intentsRight, name).toBeGreaterThanOrEqual(0.95)
    }
  })
})

// Words that name no product and no place, to build messages around what is being tested.
const NEUTRAL = ["habari", "tafadhali", "please", "leo", "kesho", "asante", "boss", "sasa", "hi", "thanks", "haraka", "quickly", "today", "ok"]
const neutral = fc.array(fc.constantFrom(...NEUTRAL), { maxLength: 6 }).map((ws) => ws.join(" "))
const product = fc.constantFrom(
  { name: "kiondo basket", productId: "ki", variantId: "var_ki" },
  { name: "beaded necklace", productId: "nk", variantId: "var_nk" },
  { name: "dera", productId: "de", variantId: "var_de" },
  { name: "sufuria set", productId: "su", variantId: "var_su" },
  { name: "red shuka", productId: "sh", variantId: "var_sh_red" },
  { name: "kitenge dress size L", productId: "kd", variantId: "var_kd_l" }
)
const place = fc.constantFrom(
  { name: "Toi market", id: "KE-047-toi-market" },
  { name: "Sarit centre", id: "KE-047-sarit-centre-locker" },
  { name: "Kondele", id: "KE-042-kondele" },
  { name: "Likoni ferry", id: "KE-001-likoni-ferry-agent" }
)

describe("invariants", () => {
  it("any text: never throws; confidences in [0, 1]; confident only for a complete order; quantities whole and at least 1; the same answer twice", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const p = read(text)
        expect(p).toEqual(read(text))
        expect(p.confidence).toBeGreaterThanOrEqual(0)
        expect(p.confidence).toBeLessThanOrEqual(1)
        for (const l of p.lines) {
          expect(Number.isInteger(l.quantity) && l.quantity >= 1).toBe(true)
          expect(l.confidence).toBeGreaterThanOrEqual(0)
          expect(l.confidence).toBeLessThanOrEqual(1)
        }
        if (p.confident) {
          expect(p.intent).toBe("ORDER")
          expect(p.place).toBeDefined()
          expect(p.lines.length).toBeGreaterThan(0)
          expect(p.lines.every((l) => l.variantId !== undefined)).toBe(true)
        }
      }),
      { numRuns: 300 }
    )
  })

  it("a count, a product and a place among neutral words: read as exactly that line and place, confidently", () => {
    fc.assert(
      fc.property(neutral, fc.integer({ min: 1, max: 9 }), product, neutral, place, neutral, (a, n, item, b, where, c) => {
        const p = read(`${a} nataka ${n} ${item.name} ${b}, ${where.name} ${c}`)
        expect(p.lines.map((l) => [l.productId, l.variantId, l.quantity])).toEqual([[item.productId, item.variantId, n]])
        expect(p.place?.value).toBe(where.id)
        expect(p.confident).toBe(true)
      }),
      { numRuns: 200 }
    )
  })

  it("a Kenyan mobile number anywhere in the message is found and normalised", () => {
    fc.assert(
      fc.property(neutral, fc.constantFrom("07", "01", "+2547", "2547", "+2541"), fc.stringMatching(/^\d{8}$/), neutral, (a, prefix, rest, b) => {
        const typed = `${prefix}${rest}`
        const p = read(`${a} ${typed} ${b}`)
        const subscriber = typed.replace(/^\+?254/, "").replace(/^0/, "")
        expect(p.phone?.value).toBe(`254${subscriber}`)
      })
    )
  })

  it("edit distance: zero only for equal words, symmetric, at least the length difference, at most the longer length", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), (a, b) => {
        const d = editDistance(a, b, 20)
        expect(d === 0).toBe(a === b)
        expect(editDistance(b, a, 20)).toBe(d)
        expect(d).toBeGreaterThanOrEqual(Math.abs(a.length - b.length))
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length))
      })
    )
    expect(editDistance("kitenge", "kitnge")).toBe(1)
    expect(editDistance("akala", "akaal")).toBe(1)
    expect(wordSimilarity("market", "basket")).toBe(0)
    expect(tokens("  Nataka KITENGE, size-M!! ")).toEqual(["nataka", "kitenge", "size", "m"])
  })
})
