import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/db";
import { expectBooksBalance, expireNow, give, grantRow, makeLedgerAccount, rid, usage } from "@/tests/helpers/ledger";
import { adjust, capture, expireGrants, getBalance, grant, refundPurchase, release, reserve, sweepStaleHolds } from "@/lib/ledger";
import type { AppError } from "@/lib/errors";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});

const fail = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as AppError);

async function entries(accountId: string, kind: string) {
  return (await t.db.execute(
    sql`select remaining_delta::int as delta, details from ledger_entries where account_id = ${accountId} and kind = ${kind} order by id`,
  )) as unknown as { delta: number; details: Record<string, number> | null }[];
}

describe("grants", () => {
  it("purchase cs_1 of 500 granted twice → one grant, 500 not 1000 (created false the second time)", async () => {
    const a = await makeLedgerAccount(t.db);
    const first = await grant(t.db, { accountId: a, kind: "purchase", credits: 500, sourceRef: "cs_test_1", amountCents: 1000 });
    const second = await grant(t.db, { accountId: a, kind: "purchase", credits: 500, sourceRef: "cs_test_1", amountCents: 1000 });
    expect(first.created).toBe(true);
    expect(second).toEqual({ grantId: first.grantId, created: false });
    expect((await getBalance(t.db, a)).availableCredits).toBe(500);
    await expectBooksBalance(t.db);
  });

  it("concurrent grants of the same source → exactly one credited", async () => {
    const a = await makeLedgerAccount(t.db);
    const results = await Promise.all(Array.from({ length: 10 }, () => grant(t.db, { accountId: a, kind: "purchase", credits: 100, sourceRef: "cs_race" })));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await getBalance(t.db, a)).availableCredits).toBe(100);
  });

  it("a source already granted to account A, granted to B → conflict, B gets nothing", async () => {
    const a = await makeLedgerAccount(t.db);
    const b = await makeLedgerAccount(t.db);
    await grant(t.db, { accountId: a, kind: "purchase", credits: 100, sourceRef: "cs_shared" });
    expect((await fail(grant(t.db, { accountId: b, kind: "purchase", credits: 100, sourceRef: "cs_shared" })))?.code).toBe("conflict");
    expect((await getBalance(t.db, b)).availableCredits).toBe(0);
  });

  it("grant of 0 or 1.5 credits → invalid_input", async () => {
    const a = await makeLedgerAccount(t.db);
    expect((await fail(grant(t.db, { accountId: a, kind: "promo", credits: 0, sourceRef: "p0" })))?.code).toBe("invalid_input");
    expect((await fail(grant(t.db, { accountId: a, kind: "promo", credits: 1.5, sourceRef: "p1" })))?.code).toBe("invalid_input");
  });
});

describe("admin adjustments", () => {
  it("+50 with a reason → adjustment grant of 50; same sourceRef again → not applied twice", async () => {
    const a = await makeLedgerAccount(t.db);
    const r1 = await adjust(t.db, { accountId: a, credits: 50, reason: "goodwill", actorUserId: null, sourceRef: "tkt_1" });
    const r2 = await adjust(t.db, { accountId: a, credits: 50, reason: "goodwill", actorUserId: null, sourceRef: "tkt_1" });
    expect(r1).toMatchObject({ direction: "credit", created: true, creditedCredits: 50 });
    expect(r2).toMatchObject({ direction: "credit", created: false });
    expect((await getBalance(t.db, a)).availableCredits).toBe(50);
  });

  it("−30 on 20 available (+10 held) → debits 20, shortfall 10, never below zero; repeated → same result, no second debit", async () => {
    const a = await makeLedgerAccount(t.db);
    const g = await give(t.db, a, 30);
    await reserve(t.db, { accountId: a, requestId: rid(), credits: 10 });
    const r1 = await adjust(t.db, { accountId: a, credits: -30, reason: "fraud", actorUserId: null, sourceRef: "tkt_2" });
    expect(r1).toEqual({ direction: "debit", created: true, debitedCredits: 20, shortfallCredits: 10 });
    const r2 = await adjust(t.db, { accountId: a, credits: -30, reason: "fraud", actorUserId: null, sourceRef: "tkt_2" });
    expect(r2).toEqual({ direction: "debit", created: false, debitedCredits: 20, shortfallCredits: 10 });
    expect(await grantRow(t.db, g)).toMatchObject({ remaining: 10, held: 10 });
    await expectBooksBalance(t.db);
  });

  it("adjust 0 or without a reason → invalid_input", async () => {
    const a = await makeLedgerAccount(t.db);
    expect((await fail(adjust(t.db, { accountId: a, credits: 0, reason: "x", actorUserId: null, sourceRef: "z0" })))?.code).toBe("invalid_input");
    expect((await fail(adjust(t.db, { accountId: a, credits: 5, reason: " ", actorUserId: null, sourceRef: "z1" })))?.code).toBe("invalid_input");
  });
});

describe("refunds", () => {
  it("purchase 500, 200 spent, full refund → claws back 300, shortfall 200, grant voided", async () => {
    const a = await makeLedgerAccount(t.db);
    const g = await give(t.db, a, 500, "purchase", { sourceRef: "cs_refund_1" });
    const r = rid();
    await reserve(t.db, { accountId: a, requestId: r, credits: 200 });
    await capture(t.db, { accountId: a, requestId: r, credits: 200, usage: usage() });
    expect(await refundPurchase(t.db, { sourceRef: "cs_refund_1", refundRef: "re_1" })).toEqual({ clawedBack: 300, shortfall: 200 });
    expect(await grantRow(t.db, g)).toMatchObject({ remaining: 0 });
    expect((await grantRow(t.db, g)).voided_at).not.toBeNull();
    expect((await entries(a, "refund"))[0]).toMatchObject({ delta: -300, details: { clawedBack: 300, shortfall: 200, requested: 500 } });
    await expectBooksBalance(t.db);
  });

  it("partial refund of 100 on 500 untouched → claws 100, 400 left; same refund id again → same answer, 400 still left", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 500, "purchase", { sourceRef: "cs_refund_2" });
    expect(await refundPurchase(t.db, { sourceRef: "cs_refund_2", refundRef: "re_2", credits: 100 })).toEqual({ clawedBack: 100, shortfall: 0 });
    expect(await refundPurchase(t.db, { sourceRef: "cs_refund_2", refundRef: "re_2", credits: 100 })).toEqual({ clawedBack: 100, shortfall: 0 });
    expect((await getBalance(t.db, a)).availableCredits).toBe(400);
  });

  it("full refund while 50 of 100 are held: claws 50 now (shortfall 50); capture 20 → the 30 given back are voided, 0 left", async () => {
    const a = await makeLedgerAccount(t.db);
    const g = await give(t.db, a, 100, "purchase", { sourceRef: "cs_refund_3" });
    const r = rid();
    await reserve(t.db, { accountId: a, requestId: r, credits: 50 });
    expect(await refundPurchase(t.db, { sourceRef: "cs_refund_3", refundRef: "re_3" })).toEqual({ clawedBack: 50, shortfall: 50 });
    expect((await getBalance(t.db, a)).availableCredits).toBe(0);
    await capture(t.db, { accountId: a, requestId: r, credits: 20, usage: usage() });
    expect(await grantRow(t.db, g)).toMatchObject({ remaining: 0, held: 0 });
    expect((await entries(a, "void")).map((e) => e.delta)).toEqual([-30]);
    expect((await getBalance(t.db, a)).availableCredits).toBe(0);
    await expectBooksBalance(t.db);
  });

  it("refund of an unknown purchase → not_found", async () => {
    expect((await fail(refundPurchase(t.db, { sourceRef: "cs_nope", refundRef: "re_x" })))?.code).toBe("not_found");
  });
});

describe("expiry", () => {
  it("grant 100 past its date, expireGrants → 1 grant, −100 expire entry, 0 available; second run → 0", async () => {
    const a = await makeLedgerAccount(t.db);
    const g = await give(t.db, a, 100, "promo", { expiresAt: new Date(Date.now() + 60_000) });
    await expireNow(t.db, g);
    expect(await expireGrants(t.db)).toBeGreaterThanOrEqual(1);
    expect(await grantRow(t.db, g)).toMatchObject({ remaining: 0 });
    expect((await entries(a, "expire")).map((e) => e.delta)).toEqual([-100]);
    expect(await expireGrants(t.db)).toBe(0);
    expect((await getBalance(t.db, a)).remainingCredits).toBe(0);
    await expectBooksBalance(t.db);
  });

  it("expireGrants(now) leaves grants expiring later untouched: 100 expiring tomorrow stays 100", async () => {
    const a = await makeLedgerAccount(t.db);
    const g = await give(t.db, a, 100, "promo", { expiresAt: new Date(Date.now() + 86_400_000) });
    await expireGrants(t.db);
    expect(await grantRow(t.db, g)).toMatchObject({ remaining: 100, expired_at: null });
  });

  it("grant 100 with 40 held expires mid-hold: job expires 60; capture 25 → 25 charged from it, the 15 given back expire then", async () => {
    const a = await makeLedgerAccount(t.db);
    const g = await give(t.db, a, 100, "promo", { expiresAt: new Date(Date.now() + 60_000) });
    const r = rid();
    await reserve(t.db, { accountId: a, requestId: r, credits: 40 });
    await expireNow(t.db, g);
    await expireGrants(t.db);
    expect(await grantRow(t.db, g)).toMatchObject({ remaining: 40, held: 40 });
    const rc = await capture(t.db, { accountId: a, requestId: r, credits: 25, usage: usage() });
    expect(rc.chargedCredits).toBe(25);
    expect(await grantRow(t.db, g)).toMatchObject({ remaining: 0, held: 0 });
    expect((await entries(a, "expire")).map((e) => e.delta)).toEqual([-60, -15]);
    await expectBooksBalance(t.db);
  });

  it("grant 100 with 40 held expires mid-hold, hold released before the job runs → all 100 expire, nothing spendable", async () => {
    const a = await makeLedgerAccount(t.db);
    const g = await give(t.db, a, 100, "promo", { expiresAt: new Date(Date.now() + 60_000) });
    const r = rid();
    await reserve(t.db, { accountId: a, requestId: r, credits: 40 });
    await expireNow(t.db, g);
    await release(t.db, { accountId: a, requestId: r, reason: "cancelled" });
    expect((await getBalance(t.db, a)).availableCredits).toBe(0);
    await expireGrants(t.db);
    expect(await grantRow(t.db, g)).toMatchObject({ remaining: 0, held: 0 });
    expect((await entries(a, "expire")).reduce((s, e) => s + e.delta, 0)).toBe(-100);
    await expectBooksBalance(t.db);
  });
});

describe("stale holds", () => {
  it("hold 30 with ttl 1 s whose request died → sweeper releases it, 100 available again, capture afterwards → conflict", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 100);
    const r = rid();
    const live = rid();
    await reserve(t.db, { accountId: a, requestId: r, credits: 30, ttlSeconds: 1 });
    await reserve(t.db, { accountId: a, requestId: live, credits: 5, ttlSeconds: 600 });
    expect(await sweepStaleHolds(t.db, new Date(Date.now() + 2000))).toBe(1);
    expect((await getBalance(t.db, a)).availableCredits).toBe(95);
    expect(await sweepStaleHolds(t.db, new Date(Date.now() + 2000))).toBe(0);
    expect((await fail(capture(t.db, { accountId: a, requestId: r, credits: 30, usage: usage() })))?.code).toBe("conflict");
    await capture(t.db, { accountId: a, requestId: live, credits: 5, usage: usage() });
    await expectBooksBalance(t.db);
  });
});

describe("refund guards", () => {
  it("refunding a signup grant (not a purchase) → invalid_input, nothing clawed", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 100, "signup", { sourceRef: `signup-x:${a}` });
    expect((await fail(refundPurchase(t.db, { sourceRef: `signup-x:${a}`, refundRef: "re_signup" })))?.code).toBe("invalid_input");
    expect((await getBalance(t.db, a)).availableCredits).toBe(100);
  });
});
