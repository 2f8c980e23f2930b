/**
 * An audit entry's time is the database's, never the writer's: the chain trigger kept an `at` the
 * inserting statement gave, so the runtime role (which cannot rewrite an entry) could still append one
 * dated last year, between older entries' times. `db.sql` logs in as the app's runtime role.
 */
import { describe, expect, it } from "vitest"
import { useTestDatabase } from "../support/test-database.js"

const db = useTestDatabase()

describe("the audit log's times", () => {
  it("an entry inserted with a past `at` is stamped with the database's time, and the chain still verifies", async () => {
    await db.sql`insert into audit_log (at, actor_kind, action, entity, reason) values ('2020-01-01T00:00:00Z', 'SYSTEM', 'TEST.BACKDATED', 'test', 'backdated')`
    const [row] = await db.sql<Array<{ fresh: boolean }>>`select at > now() - interval '1 hour' as fresh from audit_log where action = 'TEST.BACKDATED'`
    expect(row).toEqual({ fresh: true })
    expect((await db.sql`select audit_verify_chain() as broken`)[0]).toEqual({ broken: null })
  })
})
