import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/db";
import { give, makeLedgerAccount, rid } from "@/tests/helpers/ledger";
import { availableFromGrants, checkLedgerInvariants, getBalance, reserve } from "@/lib/ledger";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});

describe("invariant 2: available = unexpired remaining − active holds", () => {
  it("purchase 10 + promo 5 (expires first), hold 4 (burns the promo), then the promo passes its date → available 10, not 11; getBalance agrees", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 10);
    await give(t.db, a, 5, "promo", { expiresAt: new Date(Date.now() + 60_000) });
    await reserve(t.db, { accountId: a, requestId: rid(), credits: 4 });
    expect(await availableFromGrants(t.db, a)).toBe(11);
    // Past its date but not yet swept by the expiry job: it counts for nothing.
    await t.db.execute(sql`update credit_grants set expires_at = now() - interval '1 second' where account_id = ${a} and kind = 'promo'`);
    // Before: (10 − 0) + (5 − 4) = 11. After: the promo's 5 − 4 no longer counts → 10.
    expect(await availableFromGrants(t.db, a)).toBe(10);
    expect((await getBalance(t.db, a)).availableCredits).toBe(10);
    expect(await checkLedgerInvariants(t.db, [a])).toEqual([]);
  });

  it("a grant's held raised by 3 with no hold behind it → reported as a violation of invariant 2", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 10);
    await t.db.execute(sql`update credit_grants set held_credits = held_credits + 3 where account_id = ${a}`);
    const problems = await checkLedgerInvariants(t.db, [a]);
    expect(problems.filter((p) => p.startsWith("2 available ≠ unexpired remaining − active holds"))).toHaveLength(1);
    expect(problems.filter((p) => p.startsWith("2 grant held ≠ its active holds"))).toHaveLength(1);
  });
});
