import { beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/db";
import { makeLedgerAccount, give, usage, rid } from "@/tests/helpers/ledger";
import { reserve, capture, release, getBalance, checkLedgerInvariants } from "@/lib/ledger";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});

describe("smoke", () => {
  it("reserve 30 on 100 → capture 20 → 80 left", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 100);
    const r = rid();
    const h = await reserve(t.db, { accountId: a, requestId: r, credits: 30 });
    expect(h.fromGrantsCredits).toBe(30);
    const rc = await capture(t.db, { accountId: a, requestId: r, credits: 20, usage: usage() });
    expect(rc.chargedCredits).toBe(20);
    const r2 = rid();
    await reserve(t.db, { accountId: a, requestId: r2, credits: 5 });
    await release(t.db, { accountId: a, requestId: r2, reason: "x" });
    expect((await getBalance(t.db, a)).availableCredits).toBe(80);
    expect(await checkLedgerInvariants(t.db)).toEqual([]);
  });
});
