/**
 * An RFC 4180 reader written apart from domain/meta-feed.ts (a feed checked by its own writer's
 * logic proves nothing): records end in CRLF, a quoted field may hold commas, CR, LF and doubled
 * quotes; anything else (a bare quote inside an unquoted field, text after a closing quote, a bare
 * CR or LF between records, a record of another width) is an error.
 */
export const parseCsv = (text: string): ReadonlyArray<ReadonlyArray<string>> => {
  const records: Array<Array<string>> = []
  let record: Array<string> = []
  let i = 0
  const fail = (why: string): never => {
    throw new Error(`CSV at ${i}: ${why}`)
  }
  while (i < text.length) {
    let field = ""
    if (text[i] === '"') {
      i++
      for (;;) {
        if (i >= text.length) fail("unterminated quoted field")
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"'
            i += 2
            continue
          }
          i++
          break
        }
        field += text[i]
        i++
      }
      if (i < text.length && text[i] !== "," && !(text[i] === "\r" && text[i + 1] === "\n")) fail("text after a closing quote")
    } else {
      while (i < text.length && text[i] !== "," && text[i] !== "\r" && text[i] !== "\n") {
        if (text[i] === '"') fail("a quote inside an unquoted field")
        field += text[i]
        i++
      }
      if (text[i] === "\n" || (text[i] === "\r" && text[i + 1] !== "\n")) fail("a bare line break")
    }
    record.push(field)
    if (text[i] === ",") {
      i++
      if (i >= text.length) fail("a comma at the end")
      continue
    }
    if (text[i] === "\r") i += 2
    else fail("a record without its CRLF")
    records.push(record)
    record = []
  }
  const width = records[0]?.length ?? 0
  records.forEach((r, n) => {
    if (r.length !== width) throw new Error(`CSV record ${n} has ${r.length} fields, the header ${width}`)
  })
  return records
}

/** The records as objects keyed by the header's names. */
export const csvObjects = (text: string): ReadonlyArray<Readonly<Record<string, string>>> => {
  const [header, ...rows] = parseCsv(text)
  if (header === undefined) throw new Error("CSV without a header")
  return rows.map((r) => Object.fromEntries(header.map((h, k) => [h, r[k]!])))
}
