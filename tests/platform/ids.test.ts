import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { newId } from "../../adapters/system/ids.js"

const SHAPE = /^ord_[0-9a-hjkmnp-tv-z]{26}$/

describe("ids (adapters/system/ids.ts)", () => {
  it("every id is new, across many refills of the randomness pool; each has the prefix, 10 time and 16 random Crockford chars", () => {
    const seen = new Set<string>()
    const at = 1_764_000_000_000
    // 20,000 ids at the SAME millisecond: only the randomness tells them apart (the pool holds 256 ids' worth)
    for (let i = 0; i < 20_000; i++) seen.add(newId("ord", at))
    expect(seen.size).toBe(20_000)
    for (const id of seen) expect(id).toMatch(SHAPE)
    // the random part uses the whole alphabet, at every position (a byte reused or a position stuck would show)
    const ids = [...seen]
    for (let pos = 14; pos < 30; pos++) expect(new Set(ids.map((id) => id[pos])).size).toBe(32)
  })

  it("ids sort by their creation time", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 2 ** 40 }), (t, later) => {
        expect(newId("chk", t).slice(0, 14) < newId("chk", t + later).slice(0, 14)).toBe(true)
      })
    )
    // worked: the epoch is all zeros; a time is its base-32 digits
    expect(newId("chk", 0).slice(0, 14)).toBe("chk_0000000000")
    expect(newId("chk", 32 * 32 + 31).slice(0, 14)).toBe("chk_000000010z")
  })
})
