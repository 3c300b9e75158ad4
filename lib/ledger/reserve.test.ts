import { beforeAll, describe, expect, it } from "vitest";
import { catalog } from "@/lib/config/catalog";
import { createTestDb, type TestDb } from "@/tests/db";
import { expectBooksBalance, give, grantRow, makeLedgerAccount, rid, setLedgerFlags } from "@/tests/helpers/ledger";
import { getBalance, reserve, capture, release, setAccountStatus } from "@/lib/ledger";
import type { AppError } from "@/lib/errors";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).not.toBeNull();
  return e as AppError;
}

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000);

describe("reserve: burn order", () => {
  it("grants expiring in 5 and 2 days + a never-expiring purchase, hold 25 of 10/10/100 → takes the 2-day grant, then the 5-day grant, then 5 purchased", async () => {
    const a = await makeLedgerAccount(t.db);
    const purchase = await give(t.db, a, 100, "purchase");
    const later = await give(t.db, a, 10, "promo", { expiresAt: inDays(5) });
    const sooner = await give(t.db, a, 10, "promo", { expiresAt: inDays(2) });
    const h = await reserve(t.db, { accountId: a, requestId: rid(), credits: 25 });
    expect(h).toMatchObject({ credits: 25, fromGrantsCredits: 25, overageCredits: 0 });
    expect((await grantRow(t.db, sooner)).held).toBe(10);
    expect((await grantRow(t.db, later)).held).toBe(10);
    expect((await grantRow(t.db, purchase)).held).toBe(5);
    await expectBooksBalance(t.db);
  });

  it("same expiry: allowance 50 and purchase 50, hold 60 → 50 from allowance before 10 purchased", async () => {
    const a = await makeLedgerAccount(t.db);
    const end = inDays(30);
    const purchase = await give(t.db, a, 50, "purchase", { expiresAt: end });
    const allowance = await give(t.db, a, 50, "plan_allowance", { expiresAt: end });
    await reserve(t.db, { accountId: a, requestId: rid(), credits: 60 });
    expect((await grantRow(t.db, allowance)).held).toBe(50);
    expect((await grantRow(t.db, purchase)).held).toBe(10);
  });

  it("same expiry and kind: two purchases of 10, hold 15 → oldest gives 10, newest 5", async () => {
    const a = await makeLedgerAccount(t.db);
    const oldest = await give(t.db, a, 10, "purchase");
    const newest = await give(t.db, a, 10, "purchase");
    await reserve(t.db, { accountId: a, requestId: rid(), credits: 15 });
    expect((await grantRow(t.db, oldest)).held).toBe(10);
    expect((await grantRow(t.db, newest)).held).toBe(5);
  });

  it("expired grant of 50 (not yet swept) + purchase 10, hold 20 → insufficient_credits, available 10", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 50, "promo", { expiresAt: new Date(Date.now() - 1000) });
    await give(t.db, a, 10);
    const e = await refusal(reserve(t.db, { accountId: a, requestId: rid(), credits: 20 }));
    expect(e.code).toBe("insufficient_credits");
    expect(e.details).toMatchObject({ availableCredits: 10, requestedCredits: 20 });
    expect((await getBalance(t.db, a)).availableCredits).toBe(10);
  });
});

describe("reserve: overage and refusals", () => {
  it("hold 300 on 250 remaining + 100 overage room → allowed, 50 overage", async () => {
    const a = await makeLedgerAccount(t.db, { plan: "pro" });
    await give(t.db, a, 250);
    await setLedgerFlags(t.db, a, { hardLimit: 100, hardLimitUnit: "credits" });
    const h = await reserve(t.db, { accountId: a, requestId: rid(), credits: 300 });
    expect(h).toMatchObject({ credits: 300, fromGrantsCredits: 250, overageCredits: 50 });
    const b = await getBalance(t.db, a);
    expect(b.availableCredits).toBe(0);
    expect(b.overage).toMatchObject({ allowed: true, heldCredits: 50, usedCredits: 0, limitCredits: 100 });
    await expectBooksBalance(t.db);
  });

  it("hold 400 on 250 remaining + 100 overage room → hard_limit_reached, nothing held", async () => {
    const a = await makeLedgerAccount(t.db, { plan: "pro" });
    await give(t.db, a, 250);
    await setLedgerFlags(t.db, a, { hardLimit: 100, hardLimitUnit: "credits" });
    const e = await refusal(reserve(t.db, { accountId: a, requestId: rid(), credits: 400 }));
    expect(e.code).toBe("hard_limit_reached");
    expect(e.status).toBe(402);
    expect(e.details).toMatchObject({ availableCredits: 250, requestedCredits: 400, overageRoomCredits: 100 });
    expect((await getBalance(t.db, a)).heldCredits).toBe(0);
  });

  it("hard limit 200 cents at P ¢/1000 credits (catalog) = 200,000 / P credits of overage: hold that on 0 → allowed, one more → hard_limit_reached", async () => {
    const a = await makeLedgerAccount(t.db, { plan: "pro" });
    await setLedgerFlags(t.db, a, { hardLimit: 200, hardLimitUnit: "cents" });
    const room = (200 * 1000) / catalog.plans.pro.overagePriceCentsPer1000Credits;
    const e = await refusal(reserve(t.db, { accountId: a, requestId: rid(), credits: room + 1 }));
    expect(e.code).toBe("hard_limit_reached");
    const h = await reserve(t.db, { accountId: a, requestId: rid(), credits: room });
    expect(h.overageCredits).toBe(room);
  });

  it("overage used 80 + held 15 of a 100 limit: hold 6 on 0 → hard_limit_reached, hold 5 → allowed", async () => {
    const a = await makeLedgerAccount(t.db, { plan: "pro" });
    await setLedgerFlags(t.db, a, { hardLimit: 100 });
    const r1 = rid();
    await reserve(t.db, { accountId: a, requestId: r1, credits: 80 });
    await capture(t.db, { accountId: a, requestId: r1, credits: 80, usage: { model: "m", inputTokens: 1, outputTokens: 1 } });
    await reserve(t.db, { accountId: a, requestId: rid(), credits: 15 });
    expect((await refusal(reserve(t.db, { accountId: a, requestId: rid(), credits: 6 }))).code).toBe("hard_limit_reached");
    expect((await reserve(t.db, { accountId: a, requestId: rid(), credits: 5 })).overageCredits).toBe(5);
    await expectBooksBalance(t.db);
  });

  it("no hard limit on pro: hold 1,000,000 on 0 → allowed, all overage", async () => {
    const a = await makeLedgerAccount(t.db, { plan: "pro" });
    expect((await reserve(t.db, { accountId: a, requestId: rid(), credits: 1_000_000 })).overageCredits).toBe(1_000_000);
  });

  it("free plan: hold 11 on 10 → insufficient_credits (no overage on the plan); hold 10 → allowed", async () => {
    const a = await makeLedgerAccount(t.db, { plan: "free" });
    await give(t.db, a, 10);
    const e = await refusal(reserve(t.db, { accountId: a, requestId: rid(), credits: 11 }));
    expect(e.code).toBe("insufficient_credits");
    expect(e.status).toBe(402);
    expect(e.details).toMatchObject({ availableCredits: 10, requestedCredits: 11, overageRoomCredits: 0 });
    expect((await reserve(t.db, { accountId: a, requestId: rid(), credits: 10 })).fromGrantsCredits).toBe(10);
  });

  it("block-overage switch on pro: hold 11 on 10 → overage_blocked; hold 10 → allowed", async () => {
    const a = await makeLedgerAccount(t.db, { plan: "pro" });
    await give(t.db, a, 10);
    await setLedgerFlags(t.db, a, { blockOverage: true });
    const e = await refusal(reserve(t.db, { accountId: a, requestId: rid(), credits: 11 }));
    expect(e.code).toBe("overage_blocked");
    expect(e.status).toBe(402);
    await reserve(t.db, { accountId: a, requestId: rid(), credits: 10 });
  });

  it("frozen account with 100 credits: hold 1 → account_frozen (403); unfrozen → allowed", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 100);
    await setAccountStatus(t.db, a, "frozen", "chargeback");
    const e = await refusal(reserve(t.db, { accountId: a, requestId: rid(), credits: 1 }));
    expect(e.code).toBe("account_frozen");
    expect(e.status).toBe(403);
    await setAccountStatus(t.db, a, "active", "resolved");
    await reserve(t.db, { accountId: a, requestId: rid(), credits: 1 });
  });

  it("past_due is not frozen: hold 1 on 100 → allowed (the gateway decides grace)", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 100);
    await setAccountStatus(t.db, a, "past_due", "invoice failed");
    await reserve(t.db, { accountId: a, requestId: rid(), credits: 1 });
  });

  it("unknown account → not_found", async () => {
    expect((await refusal(reserve(t.db, { accountId: "acct_missing", requestId: rid(), credits: 1 }))).code).toBe("not_found");
  });

  it("credits 1.5, -1 or 2^53 → invalid_input before touching the database", async () => {
    const a = await makeLedgerAccount(t.db);
    for (const credits of [1.5, -1, 2 ** 53]) {
      expect((await refusal(reserve(t.db, { accountId: a, requestId: rid(), credits }))).code).toBe("invalid_input");
    }
  });
});

describe("reserve: idempotency by request id", () => {
  it("same request id twice while held → same hold, 30 held once, not 60", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 100);
    const r = rid();
    const h1 = await reserve(t.db, { accountId: a, requestId: r, credits: 30 });
    const h2 = await reserve(t.db, { accountId: a, requestId: r, credits: 30 });
    expect(h2.holdId).toBe(h1.holdId);
    expect((await getBalance(t.db, a)).heldCredits).toBe(30);
  });

  it("same request id twice in one batch (concurrently) → one hold of 30", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 100);
    const r = rid();
    const [h1, h2] = await Promise.all([reserve(t.db, { accountId: a, requestId: r, credits: 30 }), reserve(t.db, { accountId: a, requestId: r, credits: 30 })]);
    expect(h1.holdId).toBe(h2.holdId);
    expect((await getBalance(t.db, a)).heldCredits).toBe(30);
  });

  it("reserve after capture or release of the same request id → conflict", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 100);
    const r1 = rid();
    await reserve(t.db, { accountId: a, requestId: r1, credits: 5 });
    await capture(t.db, { accountId: a, requestId: r1, credits: 5, usage: { model: "m", inputTokens: 1, outputTokens: 1 } });
    expect((await refusal(reserve(t.db, { accountId: a, requestId: r1, credits: 5 }))).code).toBe("conflict");
    const r2 = rid();
    await reserve(t.db, { accountId: a, requestId: r2, credits: 5 });
    await release(t.db, { accountId: a, requestId: r2, reason: "upstream failed" });
    expect((await refusal(reserve(t.db, { accountId: a, requestId: r2, credits: 5 }))).code).toBe("conflict");
  });

  it("the same request id on two accounts → two independent holds", async () => {
    const a = await makeLedgerAccount(t.db);
    const b = await makeLedgerAccount(t.db);
    await give(t.db, a, 10);
    await give(t.db, b, 10);
    const r = rid();
    const [ha, hb] = await Promise.all([reserve(t.db, { accountId: a, requestId: r, credits: 10 }), reserve(t.db, { accountId: b, requestId: r, credits: 10 })]);
    expect(ha.holdId).not.toBe(hb.holdId);
  });
});
