import { beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/db";
import { applyLedgerBatches, give, makeLedgerAccount, rid } from "@/tests/helpers/ledger";
import { LedgerCombiner, type AccountBatch } from "./combiner";
import { inflightFor } from "./holds";
import { newId } from "@/lib/ids";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});

describe("combiner", () => {
  it("10 ops on one account submitted in one tick → 1 call carrying all 10, in submission order", async () => {
    const calls: AccountBatch[][] = [];
    const c = new LedgerCombiner(async (batches) => {
      calls.push(batches);
      return batches.map((b) => ({ a: b.a, results: b.ops.map((o) => ({ r: (o.i as { r: string }).r, ok: true })) }));
    });
    const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => c.submit("acct_1", { o: "r", i: { r: `r${i}` } })));
    expect(calls).toHaveLength(1);
    expect(calls[0]![0]!.ops.map((o) => (o.i as { r: string }).r)).toEqual(rs.map((r) => r.r));
  });

  it("an account with a call in flight gets no second concurrent call; another account does", async () => {
    let inFlightA = 0;
    let maxInFlightA = 0;
    const c = new LedgerCombiner(async (batches) => {
      const hasA = batches.some((b) => b.a === "A");
      if (hasA) maxInFlightA = Math.max(maxInFlightA, ++inFlightA);
      await new Promise((r) => setTimeout(r, 5));
      if (hasA) inFlightA--;
      return batches.map((b) => ({ a: b.a, results: b.ops.map((o) => ({ r: (o.i as { r: string }).r, ok: true })) }));
    });
    const work: Promise<unknown>[] = [];
    for (let k = 0; k < 5; k++) {
      work.push(c.submit("A", { o: "r", i: { r: `a${k}` } }));
      await new Promise((r) => setTimeout(r, 1));
      work.push(c.submit(`B${k}`, { o: "r", i: { r: `b${k}` } }));
    }
    await Promise.all(work);
    expect(maxInFlightA).toBe(1);
  });

  it("never more than maxInflight calls at once: what arrives meanwhile, from any account, waits and goes out together", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const calls: AccountBatch[][] = [];
    const c = new LedgerCombiner(
      async (batches) => {
        calls.push(batches);
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((r) => setTimeout(r, 10));
        inFlight--;
        return batches.map((b) => ({ a: b.a, results: b.ops.map((o) => ({ r: (o.i as { r: string }).r, ok: true })) }));
      },
      { maxInflight: 2, maxOpsPerCall: 256 },
    );
    const work: Promise<unknown>[] = [];
    for (let k = 0; k < 40; k++) {
      work.push(c.submit(`acct_${k}`, { o: "r", i: { r: `r${k}` } }));
      if (k % 4 === 3) await new Promise((r) => setTimeout(r, 1));
    }
    const results = await Promise.all(work);
    expect(results).toHaveLength(40);
    expect(maxInFlight).toBe(2);
    expect(calls.flat().map((b) => b.a).sort()).toEqual(Array.from({ length: 40 }, (_, k) => `acct_${k}`).sort());
    // 40 accounts arriving over ~10 ms while each call takes 10 ms: far fewer calls than accounts.
    expect(calls.length).toBeLessThan(20);
  });

  it("inflightFor: LEDGER_MAX_INFLIGHT, but never more than half the pool, and at least 1", () => {
    expect(inflightFor(20, 2)).toBe(2);
    expect(inflightFor(20, 8)).toBe(8);
    expect(inflightFor(6, 8)).toBe(3);
    expect(inflightFor(1, 8)).toBe(1);
  });

  it("one op that makes the database raise (bad credits) does not fail the 9 good reserves in its batch", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 100);
    let calls = 0;
    const c = new LedgerCombiner(async (batches, wait) => {
      calls++;
      return applyLedgerBatches(t.db, batches, wait);
    });
    const good = Array.from({ length: 9 }, () => c.submit(a, { o: "r", i: { r: rid(), h: newId("hold"), c: 1, t: 60, m: null } }));
    const bad = c.submit(a, { o: "r", i: { r: rid(), h: newId("hold"), c: "not a number", t: 60, m: null } }).then(
      () => null,
      (e: unknown) => e,
    );
    const results = await Promise.all(good);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(String(await bad)).toMatch(/invalid input syntax for type bigint/);
    expect(calls).toBe(1 + 10); // the failed batch, then each op alone
  });
});
