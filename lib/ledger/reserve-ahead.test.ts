import { beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/db";
import { expectBooksBalance, give, makeLedgerAccount, rid, setLedgerFlags, usage } from "@/tests/helpers/ledger";
import { capture, getBalance, reserve, reserveAhead, setAccountStatus } from "@/lib/ledger";

/** Holds placed ahead of demand (the gateway's hold pool): only whole from grants, never the last of them (migration 0006). */
let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});

const holdRows = async (accountId: string) => t.sql`select request_id, status, credits, grant_credits, overage_credits, meta from holds where account_id = ${accountId}`;
const journalRows = async (accountId: string) => Number((await t.sql`select count(*)::int as n from ledger_entries where account_id = ${accountId}`)[0]!.n);

describe("reserveAhead", () => {
  it("1,000 available: hold 10 keeping 990 → placed (990 left); another 10 keeping 990 → declined (980 would be left), nothing written", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 1_000);
    const first = await reserveAhead(t.db, { accountId: a, requestId: rid(), credits: 10, keepAvailableCredits: 990, meta: { apiKeyId: "key_x" } });
    expect(first).toMatchObject({ credits: 10, fromGrantsCredits: 10, overageCredits: 0 });
    const rows = await holdRows(a);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.meta).toMatchObject({ pool: "gateway", apiKeyId: "key_x" });
    const journal = await journalRows(a);

    expect(await reserveAhead(t.db, { accountId: a, requestId: rid(), credits: 10, keepAvailableCredits: 990 })).toBeNull();
    expect(await holdRows(a)).toHaveLength(1);
    expect(await journalRows(a)).toBe(journal);
    // Set aside, not spent: getBalance counts it as the customer's (990 spendable by a new hold + 10 reserved ahead).
    expect(await getBalance(t.db, a)).toMatchObject({ availableCredits: 1_000, heldCredits: 0, reservedAheadCredits: 10 });
    // A request's own hold is not bound by the pool's floor: it may take the rest.
    expect((await reserve(t.db, { accountId: a, requestId: rid(), credits: 990 })).fromGrantsCredits).toBe(990);
    await expectBooksBalance(t.db);
  });

  it("pro plan, 5 granted + unlimited overage: reserveAhead 10 keeping 0 → declined (it would take 5 of overage); reserve 10 → 5 from grants + 5 overage", async () => {
    const a = await makeLedgerAccount(t.db, { plan: "pro" });
    await give(t.db, a, 5);
    expect(await reserveAhead(t.db, { accountId: a, requestId: rid(), credits: 10, keepAvailableCredits: 0 })).toBeNull();
    expect(await holdRows(a)).toHaveLength(0);
    expect(await reserve(t.db, { accountId: a, requestId: rid(), credits: 10 })).toMatchObject({ fromGrantsCredits: 5, overageCredits: 5 });
    await expectBooksBalance(t.db);
  });

  it("frozen account with 1,000 available: reserveAhead 10 → null, nothing held", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 1_000);
    await setAccountStatus(t.db, a, "frozen", "test freeze");
    expect(await reserveAhead(t.db, { accountId: a, requestId: rid(), credits: 10, keepAvailableCredits: 0 })).toBeNull();
    expect((await getBalance(t.db, a)).heldCredits).toBe(0);
  });

  it("a pooled hold of 100 is an ordinary hold: capture 30 of it → 30 charged, 70 back, receipt held 100", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 10_000);
    await setLedgerFlags(t.db, a, { blockOverage: true });
    const hold = await reserveAhead(t.db, { accountId: a, requestId: rid(), credits: 100, keepAvailableCredits: 1_000 });
    expect(hold).not.toBeNull();
    const receipt = await capture(t.db, { accountId: a, requestId: hold!.requestId, credits: 30, usage: usage() });
    expect(receipt).toMatchObject({ heldCredits: 100, chargedCredits: 30, overageCredits: 0 });
    const b = await getBalance(t.db, a);
    expect(b).toMatchObject({ availableCredits: 9_970, heldCredits: 0 });
    await expectBooksBalance(t.db);
  });
});
