/**
 * Lookups outside the checkout's path that must stay index lookups however long the history grows
 * (the checkout's own: tests/payments/settle-round-trips.test.ts). With 20,000 inbound WhatsApp
 * messages from 2,000 senders (analyzed), the abandoned-cart reminder's look at one buyer's latest
 * texts (CartRecoveryStore.inboundTexts) reads that buyer's rows by index, newest first. Before
 * migration 0082 it read every inbound message (no index on the sender). With 22,000 carts of 2,000
 * buyers (20,000 checked out, their reminders ended), the abandoned-cart sweep's candidates read
 * the open carts and the reminders under way only (before migration 0083, every cart with a buyer).
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import { CartRecoveryStore } from "../../application/cart-recovery/cart-recovery.port.js"
import { CartRecoveryStoreLive } from "../../adapters/postgres/cart-recovery-store.js"
import { DatabaseFromPool } from "../../adapters/postgres/database.js"
import { scansOfLongTables } from "../support/plans.js"
import { statementRecorder } from "../support/statement-recorder.js"
import { useTestDatabase } from "../support/test-database.js"

const recorder = statementRecorder()
const db = useTestDatabase({ onStatement: recorder.onStatement })

beforeAll(async () => {
  // 2,000 buyers, each with 10 carts checked out long ago (their reminders ended) and one cart open:
  // the abandoned-cart sweep's haystack after a year of sales
  await db.sql`insert into users (id, phone, roles) select 'usr_h_' || g, '2547' || (50000000 + g), '{BUYER}' from generate_series(1, 2000) g`
  await db.sql`insert into carts (id, buyer_id, state, created_at, updated_at)
    select 'crt_h_' || b || '_' || k, 'usr_h_' || b, case when k = 10 then 'ACTIVE' else 'CHECKED_OUT' end,
           now() - make_interval(days => 400 - k * 30), now() - make_interval(days => 400 - k * 30)
      from generate_series(1, 2000) b, generate_series(0, 10) k`
  await db.sql`insert into cart_items (cart_id, variant_id, quantity, added_at)
    select c.id, v.id, 1, c.created_at from carts c cross join lateral (select id from variants order by id limit 1) v where c.id like 'crt_h_%'`
  await db.sql`insert into cart_recovery (cart_id, buyer_id, phone, steps_sent, last_sent_at, stopped, stopped_at)
    select c.id, c.buyer_id, u.phone, 2, c.updated_at, 'CHECKED_OUT', c.updated_at from carts c join users u on u.id = c.buyer_id
     where c.id like 'crt_h_%' and c.state = 'CHECKED_OUT'`
  await db.sql`analyze users`
  await db.sql`analyze carts`
  await db.sql`analyze cart_items`
  await db.sql`analyze cart_recovery`
  await db.sql`insert into whatsapp_inbound (wamid, from_phone, at, type, body)
    select 'wamid.hist.' || g, '2547' || (40000000 + g % 2000), now() - make_interval(secs => g), case when g % 5 = 0 then 'image' else 'text' end,
           case when g % 5 = 0 then null else 'message ' || g end
      from generate_series(1, 20000) g`
  await db.sql`analyze whatsapp_inbound`
})

describe("lookups in a long history", () => {
  it("the abandoned-cart sweep reads the open carts and the reminders under way, not every cart ever", async () => {
    const runtime = ManagedRuntime.make(CartRecoveryStoreLive.pipe(Layer.provide(DatabaseFromPool(db.sql))))
    try {
      // the open carts were last touched 100 days ago: outside a 72-hour start window, so none is a candidate
      const { result: ids, sent } = await recorder.counted(() =>
        runtime.runPromise(
          Effect.flatMap(CartRecoveryStore, (s) => s.candidates({ now: Date.now(), firstAfterMs: 3_600_000, startWithinMs: 72 * 3_600_000, limit: 100 }))
        )
      )
      expect(ids).toEqual([])
      const { explained, found } = await scansOfLongTables(db.sql, sent, new Set(["carts", "cart_recovery", "cart_items"]))
      expect(explained).toBe(1)
      expect(found).toEqual([])
    } finally {
      await runtime.dispose()
    }
  })

  it("a buyer's latest inbound texts are read by index, newest first", async () => {
    const runtime = ManagedRuntime.make(CartRecoveryStoreLive.pipe(Layer.provide(DatabaseFromPool(db.sql))))
    try {
      const phone = "254740000007"
      const { result: texts, sent } = await recorder.counted(() => runtime.runPromise(Effect.flatMap(CartRecoveryStore, (s) => s.inboundTexts(phone, 5))))
      // the sender's 10 texts (every 2,000th message): the 5 newest
      expect(texts.map((t) => t.wamid)).toEqual(["wamid.hist.7", "wamid.hist.2007", "wamid.hist.4007", "wamid.hist.6007", "wamid.hist.8007"])
      const { explained, found } = await scansOfLongTables(db.sql, sent, new Set(["whatsapp_inbound"]))
      expect(explained).toBe(1)
      expect(found).toEqual([])
    } finally {
      await runtime.dispose()
    }
  })
})
