/**
 * Rules the database itself enforces, so no code path (and no hurried admin at a psql prompt) can
 * break them: append-only history, stock that never goes negative, unique M-Pesa ids, a balanced
 * ledger, limits that hold under concurrency.
 */
import type { Sql } from "../../adapters/postgres/database.js"
import { beforeAll, describe, expect, it } from "vitest"
import { seedOrderGraph, type OrderGraph } from "../support/fixtures.js"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase({ max: 20 })

const codeOf = async (run: () => PromiseLike<unknown>): Promise<string | undefined> => {
  try {
    await run()
    return undefined
  } catch (error) {
    return (error as { code?: string }).code
  }
}

const postBalanced = async (sql: Sql, txId: string, orderId: string): Promise<void> => {
  await sql.begin(async (tx) => {
    await tx`insert into ledger_transactions (id, kind, order_id) values (${txId}, 'PAYMENT', ${orderId})`
    // credit first: balance is only checked at commit
    await tx`insert into ledger_entries (transaction_id, account, account_ref, order_id, currency, amount)
             values (${txId}, 'ESCROW', ${orderId}, ${orderId}, 'KES', -170000)`
    await tx`insert into ledger_entries (transaction_id, account, account_ref, order_id, currency, amount)
             values (${txId}, 'MPESA_CLEARING', null, ${orderId}, 'KES', 170000)`
  })
}

// The runtime role may not even try (no UPDATE, DELETE or TRUNCATE grant: tests/db/least-privilege.test.ts);
// these triggers hold against the owner too, short of it switching them off.
describe("append-only tables refuse UPDATE, DELETE and TRUNCATE (SQLSTATE AM001), even to the owner", () => {
  let g: OrderGraph
  beforeAll(async () => {
    g = await seedOrderGraph(db.sql)
    await db.sql`insert into order_snapshots (order_id, snapshot, snapshot_hash) values (${g.orderId}, '{"lines":[]}', ${"a".repeat(64)})`
    await db.sql`insert into order_timeline (order_id, from_state, to_state, actor_kind, actor_id, reason)
      values (${g.orderId}, null, 'PENDING_PAYMENT', 'BUYER', ${g.buyerId}, 'checkout')`
    await db.sql`insert into loyalty_ledger (buyer_id, points, reason, order_id) values (${g.buyerId}, 150, 'EARNED', ${g.orderId})`
    await postBalanced(db.sql, `ltx_${g.orderId}`, g.orderId)
    await db.sql`insert into audit_log (actor_kind, actor_id, action, entity, entity_id) values ('ADMIN', 'adm_1', 'STORE.VERIFY', 'store', ${g.storeId})`
  })

  const tables = [
    ["order_snapshots", "snapshot = '{}'"],
    ["order_timeline", "reason = 'rewritten'"],
    ["loyalty_ledger", "points = 1000000"],
    ["ledger_transactions", "description = 'rewritten'"],
    ["ledger_entries", "amount = amount * 2"],
    ["audit_log", "reason = 'rewritten'"]
  ] as const

  for (const [table, change] of tables) {
    it(`${table}: UPDATE refused with a message naming the table`, async () => {
      await expect(db.owner.unsafe(`update ${table} set ${change}`)).rejects.toThrow(`${table} is append-only: UPDATE refused`)
      expect(await codeOf(() => db.owner.unsafe(`update ${table} set ${change}`))).toBe("AM001")
    })
    it(`${table}: DELETE and TRUNCATE refused, rows still there`, async () => {
      expect(await codeOf(() => db.owner.unsafe(`delete from ${table}`))).toBe("AM001")
      expect(await codeOf(() => db.owner.unsafe(`truncate ${table} cascade`))).toBe("AM001")
      const [row] = await db.sql.unsafe(`select count(*)::int as n from ${table}`)
      expect(row?.["n"]).toBeGreaterThan(0)
    })
  }

  it("rule versions of promotions and discount codes are append-only too", async () => {
    await db.sql`insert into promotions (id, name) values ('promo_ao', 'Jamhuri Day')`
    await db.sql`insert into promotion_versions (promotion_id, version, starts_at, ends_at, eligibility, effect)
      values ('promo_ao', 1, now(), now() + interval '1 day', '{"kind":"ALL"}', '{"kind":"AMOUNT_OFF","amount":10000}')`
    expect(await codeOf(() => db.owner`update promotion_versions set priority = 99`)).toBe("AM001")
  })
})

describe("stock never goes negative and is never sold twice", () => {
  let g: OrderGraph
  beforeAll(async () => {
    g = await seedOrderGraph(db.sql, { onHand: 5 })
  })

  it("reserving more than on hand is refused by CHECK reserved <= on_hand (23514)", async () => {
    const code = await codeOf(() => db.sql`update inventory set reserved = 6 where variant_id = ${g.variantId}`)
    expect(code).toBe("23514")
  })

  it("on_hand and reserved cannot go below zero", async () => {
    expect(await codeOf(() => db.sql`update inventory set on_hand = -1 where variant_id = ${g.variantId}`)).toBe("23514")
    expect(await codeOf(() => db.sql`update inventory set reserved = -1 where variant_id = ${g.variantId}`)).toBe("23514")
  })

  it("30 buyers racing for 5 units on 20 connections: exactly 5 reservations succeed", async () => {
    const attempts = await Promise.all(
      Array.from({ length: 30 }, () =>
        db.sql.begin(async (tx) => {
          const rows = await tx`update inventory set reserved = reserved + 1
                                 where variant_id = ${g.variantId} and stock_location_id = ${g.stockLocationId}
                                   and on_hand - reserved >= 1 returning reserved`
          if (rows.length === 1) {
            await tx`insert into inventory_reservations (checkout_id, variant_id, stock_location_id, quantity)
                     values (${g.checkoutId}, ${g.variantId}, ${g.stockLocationId}, 1)`
          }
          return rows.length === 1
        })
      )
    )
    expect(attempts.filter(Boolean).length).toBe(5)
    const [inv] = await db.sql<{ reserved: number; on_hand: number }[]>`select reserved, on_hand from inventory where variant_id = ${g.variantId}`
    expect(inv).toEqual({ reserved: 5, on_hand: 5 })
  })
})

describe("M-Pesa identifiers are unique", () => {
  let g: OrderGraph
  beforeAll(async () => {
    g = await seedOrderGraph(db.sql)
    await db.sql`insert into mpesa_stk_requests (checkout_id, phone, amount, merchant_request_id, checkout_request_id, status, mpesa_receipt_number)
      values (${g.checkoutId}, '254712345678', 170000, 'm-1', 'ws_CO_1', 'PAID', 'QKJ4ABCDEF')`
  })

  it("a second request with the same CheckoutRequestID is refused (23505)", async () => {
    const code = await codeOf(
      () => db.sql`insert into mpesa_stk_requests (checkout_id, phone, amount, checkout_request_id)
      values (${g.checkoutId}, '254712345678', 170000, 'ws_CO_1')`
    )
    expect(code).toBe("23505")
  })

  it("the same M-Pesa receipt number cannot pay twice (23505)", async () => {
    const code = await codeOf(
      () => db.sql`insert into mpesa_stk_requests (checkout_id, phone, amount, checkout_request_id, status, mpesa_receipt_number)
      values (${g.checkoutId}, '254712345678', 170000, 'ws_CO_2', 'PAID', 'QKJ4ABCDEF')`
    )
    expect(code).toBe("23505")
  })

  it("a raw callback is stored even when it matches nothing", async () => {
    const [row] =
      await db.sql`insert into mpesa_callbacks (checkout_request_id, raw) values ('ws_CO_unknown', ${db.sql.json({ Body: { stkCallback: { ResultCode: 0 } } })}) returning id`
    expect(row?.["id"]).toBeDefined()
  })
})

describe("the ledger balances per transaction, checked at commit (SQLSTATE AM002)", () => {
  let g: OrderGraph
  beforeAll(async () => {
    g = await seedOrderGraph(db.sql)
  })

  it("a balanced posting commits, whatever order its entries are inserted in", async () => {
    await postBalanced(db.sql, "ltx_ok", g.orderId)
    const [sum] = await db.sql<{ total: number }[]>`select sum(amount)::bigint as total from ledger_entries where transaction_id = 'ltx_ok'`
    expect(sum?.total).toBe(0)
  })

  it("an unbalanced posting is refused at commit and leaves nothing", async () => {
    const error = await db.sql
      .begin(async (tx) => {
        await tx`insert into ledger_transactions (id, kind) values ('ltx_bad', 'PAYMENT')`
        await tx`insert into ledger_entries (transaction_id, account, account_ref, currency, amount) values
          ('ltx_bad', 'MPESA_CLEARING', null, 'KES', 170000), ('ltx_bad', 'ESCROW', ${g.orderId}, 'KES', -169999)`
      })
      .then(
        () => undefined,
        (e: unknown) => e as { code?: string; message?: string }
      )
    expect(error?.code).toBe("AM002")
    expect(error?.message).toMatch(/ledger transaction ltx_bad is unbalanced: 1 KES off/)
    const rows = await db.sql`select 1 from ledger_transactions where id = 'ltx_bad'`
    expect(rows.length).toBe(0)
  })

  it("balance is per currency: +KES and -UGX of the same number do not cancel", async () => {
    const code = await codeOf(() =>
      db.sql.begin(async (tx) => {
        await tx`insert into ledger_transactions (id, kind) values ('ltx_fx', 'PAYMENT')`
        await tx`insert into ledger_entries (transaction_id, account, currency, amount) values
          ('ltx_fx', 'MPESA_CLEARING', 'KES', 100), ('ltx_fx', 'PLATFORM_ROUNDING', 'UGX', -100)`
      })
    )
    expect(code).toBe("AM002")
  })

  it("a transaction with fewer than two entries is refused", async () => {
    const code = await codeOf(() => db.sql.begin(async (tx) => tx`insert into ledger_transactions (id, kind) values ('ltx_empty', 'PAYMENT')`))
    expect(code).toBe("AM002")
  })
})

describe("incentive limits hold under concurrency", () => {
  it("a promotion with a global limit of 10 and 60 racing buyers is used exactly 10 times", async () => {
    await db.sql`insert into promotions (id, name) values ('promo_race', 'Flash sale')`
    await db.sql`insert into promotion_versions (promotion_id, version, starts_at, ends_at, eligibility, effect, global_limit)
      values ('promo_race', 1, now(), now() + interval '1 day', '{"kind":"ALL"}', '{"kind":"PERCENT_OFF","bps":1000}', 10)`
    const results = await Promise.all(
      Array.from({ length: 60 }, () =>
        db.sql.begin(async (tx) => {
          const rows = await tx`update promotions p set uses = p.uses + 1
                                  from promotion_versions v
                                 where p.id = 'promo_race' and v.promotion_id = p.id and v.version = p.current_version
                                   and (v.global_limit is null or p.uses < v.global_limit)
                                returning p.uses`
          return rows.length === 1
        })
      )
    )
    expect(results.filter(Boolean).length).toBe(10)
  })

  it("a per-buyer limit of 2 with 10 concurrent attempts by the same buyer admits 2", async () => {
    const g = await seedOrderGraph(db.sql)
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        db.sql.begin(async (tx) => {
          const rows = await tx`insert into incentive_buyer_uses (incentive_kind, incentive_id, buyer_id, uses)
                                values ('DISCOUNT_CODE', 'code_1', ${g.buyerId}, 1)
                                on conflict (incentive_kind, incentive_id, buyer_id)
                                do update set uses = incentive_buyer_uses.uses + 1 where incentive_buyer_uses.uses < 2
                                returning uses`
          return rows.length === 1
        })
      )
    )
    expect(results.filter(Boolean).length).toBe(2)
  })

  it("a discount code string is unique among live codes; an ENDED code frees it", async () => {
    await db.sql`insert into discount_codes (id, code, status) values ('dc_old', 'KARIBU10', 'ENDED')`
    await db.sql`insert into discount_codes (id, code) values ('dc_new', 'KARIBU10')`
    expect(await codeOf(() => db.sql`insert into discount_codes (id, code) values ('dc_dup', 'KARIBU10')`)).toBe("23505")
  })
})

describe("catalogue checks", () => {
  it("commission rate is limited to 0..5000 basis points", async () => {
    const g = await seedOrderGraph(db.sql)
    expect(await codeOf(() => db.sql`update products set commission_rate_bps = 5001 where id = ${g.productId}`)).toBe("23514")
    expect(await codeOf(() => db.sql`update products set commission_rate_bps = -1 where id = ${g.productId}`)).toBe("23514")
  })

  it("currency must be KES, TZS or UGX", async () => {
    const g = await seedOrderGraph(db.sql)
    expect(await codeOf(() => db.sql`update products set currency = 'USD' where id = ${g.productId}`)).toBe("23514")
    await db.sql`update products set currency = 'UGX' where id = ${g.productId}`
  })

  it("a variant's weight must be positive", async () => {
    const g = await seedOrderGraph(db.sql)
    expect(await codeOf(() => db.sql`update variants set weight_grams = 0 where id = ${g.variantId}`)).toBe("23514")
  })

  it("products are found by words (tsvector 'simple') and by a misspelt title (pg_trgm)", async () => {
    const g = await seedOrderGraph(db.sql)
    const byWords = await db.sql`select id from products where search @@ plainto_tsquery('simple', 'cotton kitenge') and id = ${g.productId}`
    expect(byWords.length).toBe(1)
    const fuzzy = await db.sql`select id from products where title % 'kitengi dres' and id = ${g.productId}`
    expect(fuzzy.length).toBe(1)
  })
})
