/**
 * Subjects and names on NATS. An event goes to `<prefix>.<aggregate>.<type>`: the aggregate in lower
 * case (`amana.order.ORDER_PAID`), so a consumer subscribes to `amana.order.>` for every order event
 * or `amana.*.ORDER_PAID` for one type. A token is made of letters, digits, `-` and `_`; anything
 * else (a dot, a space, a wildcard) becomes `_`, so an odd event type can never split a subject or
 * widen a subscription.
 */

const TOKEN = /^[A-Za-z0-9_-]+$/

/** One subject token from any text (never empty). */
export const subjectToken = (text: string): string => {
  const token = text.replace(/[^A-Za-z0-9_-]/g, "_")
  return token === "" ? "_" : token
}

export const eventSubject = (prefix: string, aggregateType: string, type: string): string =>
  `${prefix}.${subjectToken(aggregateType.toLowerCase())}.${subjectToken(type)}`

/** A subject prefix: one or more valid tokens joined by dots (`amana`, `staging.amana`). */
export const validSubjectPrefix = (prefix: string): boolean => prefix.split(".").every((token) => TOKEN.test(token))

/** A stream name: JetStream refuses dots, wildcards, spaces and path separators in it. */
export const validStreamName = (name: string): boolean => TOKEN.test(name)
