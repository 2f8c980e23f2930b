/** Instants typed into the back-office's list filters, read strictly (list-params.ts refuses others; read-model.ts never sends others to SQL). */

/** Instants as AdminJS's date filter sends them (ISO 8601, a date or a date and time); years 1 to 9999. */
const INSTANT = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/
export const parseInstant = (value: string): number | undefined => {
  if (!INSTANT.test(value)) return undefined
  const ms = Date.parse(value)
  return Number.isNaN(ms) || value.startsWith("0000") ? undefined : ms
}
