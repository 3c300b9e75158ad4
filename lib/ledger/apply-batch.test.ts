import { beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/db";
import { applyLedgerBatches, expectBooksBalance, give, grantRow, makeLedgerAccount, rid } from "@/tests/helpers/ledger";
import { newId } from "@/lib/ids";
import type { AccountBatch } from "./combiner";
import { rawSql } from "./sql";

/**
 * One ledger_apply call carrying several ops of one account that touch the same grants: each op
 * sees what the ops before it did (in memory, within the call), and each grant is written back
 * once with the sum of what the call did to it (migration 0005 sums them as they are touched).
 */
let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});

const applyOnce = (batches: AccountBatch[]) => applyLedgerBatches(t.db, batches);

const reserveOp = (r: string, c: number) => ({ o: "r" as const, i: { r, h: newId("hold"), c, t: 600, m: null } });
const captureOp = (r: string, c: number) => ({ o: "c" as const, i: { r, c, u: { model: "mock-1", it: 10, ot: 20 } } });
const releaseOp = (r: string) => ({ o: "x" as const, i: { r, why: "test" } });

describe("ledger_apply: several ops on the same grants in one call", () => {
  it("reserve, reserve, capture, release, reserve: results, grants and counters as if applied one by one", async () => {
    const a = await makeLedgerAccount(t.db);
    // Burn order: the grant that expires first, then the one that never does.
    const soon = await give(t.db, a, 30, "promo", { expiresAt: new Date(Date.now() + 10 * 86_400_000) });
    const never = await give(t.db, a, 100, "purchase");
    const [ra, rb, rc] = [rid(), rid(), rid()];

    const [outcome] = await applyOnce([
      { a, ops: [reserveOp(ra, 40), reserveOp(rb, 20), captureOp(ra, 25), releaseOp(rb), reserveOp(rc, 15)] },
    ]);
    const results = outcome!.results!;
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true, true]);
    expect(results[0]).toMatchObject({ c: 40, gc: 40, oc: 0 }); // soon 30 + never 10
    expect(results[1]).toMatchObject({ c: 20, gc: 20 }); // never 20 (soon is fully held)
    expect((results[2]!.receipt as { charged_credits: number }).charged_credits).toBe(25); // all from soon's 30
    expect(results[3]).toMatchObject({ released: true });
    // After the capture gave back soon's other 5 and never's 10, and the release never's 20:
    // soon has 5 spendable, so rc takes those 5 first, then 10 from never.
    expect(results[4]).toMatchObject({ c: 15, gc: 15 });

    expect(await grantRow(t.db, soon)).toMatchObject({ remaining: 5, held: 5 });
    expect(await grantRow(t.db, never)).toMatchObject({ remaining: 100, held: 10 });
    const [acc] = (await rawSql(t.db)`select remaining_credits::int as remaining, held_credits::int as held, period_used_credits::int as used
                                        from account_ledger where account_id = ${a}`) as unknown as { remaining: number; held: number; used: number }[];
    expect(acc).toEqual({ remaining: 105, held: 15, used: 25 });
    await expectBooksBalance(t.db);
  });

  it("a reserve after a release in the same call can spend what the release gave back", async () => {
    const a = await makeLedgerAccount(t.db); // free plan: no overage to fall back on
    const only = await give(t.db, a, 100, "purchase");
    const [rx, ry] = [rid(), rid()];
    const [first] = await applyOnce([{ a, ops: [reserveOp(rx, 100)] }]);
    expect(first!.results![0]).toMatchObject({ ok: true, gc: 100 });
    // The grant row still says 100 held when the reserve reads it; the release before it in this
    // call has given them back in memory only.
    const [outcome] = await applyOnce([{ a, ops: [releaseOp(rx), reserveOp(ry, 80)] }]);
    expect(outcome!.results![1]).toMatchObject({ ok: true, c: 80, gc: 80, oc: 0 });
    expect(await grantRow(t.db, only)).toMatchObject({ remaining: 100, held: 80 });
    await expectBooksBalance(t.db);
  });

  it("the same ops one call each end in the same state", async () => {
    const a = await makeLedgerAccount(t.db);
    const soon = await give(t.db, a, 30, "promo", { expiresAt: new Date(Date.now() + 10 * 86_400_000) });
    const never = await give(t.db, a, 100, "purchase");
    const [ra, rb, rc] = [rid(), rid(), rid()];
    for (const op of [reserveOp(ra, 40), reserveOp(rb, 20), captureOp(ra, 25), releaseOp(rb), reserveOp(rc, 15)]) {
      const [outcome] = await applyOnce([{ a, ops: [op] }]);
      expect(outcome!.results![0]!.ok).toBe(true);
    }
    expect(await grantRow(t.db, soon)).toMatchObject({ remaining: 5, held: 5 });
    expect(await grantRow(t.db, never)).toMatchObject({ remaining: 100, held: 10 });
    await expectBooksBalance(t.db);
  });
});
