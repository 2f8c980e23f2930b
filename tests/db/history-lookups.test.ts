/**
 * Lookups outside the checkout's path that must stay index lookups however long the history grows
 * (the checkout's own: tests/payments/settle-round-trips.test.ts). With 20,000 inbound WhatsApp
 * messages from 2,000 senders (analyzed), the abandoned-cart reminder's look at one buyer's latest
 * texts (CartRecoveryStore.inboundTexts) reads that buyer's rows by index, newest first. Before
 * migration 0082 it read every inbound message (no index on the sender).
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
  await db.sql`insert into whatsapp_inbound (wamid, from_phone, at, type, body)
    select 'wamid.hist.' || g, '2547' || (40000000 + g % 2000), now() - make_interval(secs => g), case when g % 5 = 0 then 'image' else 'text' end,
           case when g % 5 = 0 then null else 'message ' || g end
      from generate_series(1, 20000) g`
  await db.sql`analyze whatsapp_inbound`
})

describe("lookups in a long history", () => {
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
