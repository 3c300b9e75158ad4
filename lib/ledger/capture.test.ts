import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/db";
import { expectBooksBalance, give, grantRow, makeLedgerAccount, rid, setLedgerFlags, usage } from "@/tests/helpers/ledger";
import { capture, getBalance, getReceipt, release, reserve } from "@/lib/ledger";
import type { AppError } from "@/lib/errors";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});

const fail = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as AppError);

async function outbox(accountId: string) {
  return (await t.db.execute(sql`select request_id, credits::int as credits, reported_at from meter_outbox where account_id = ${accountId} order by id`)) as unknown as {
    request_id: string;
    credits: number;
    reported_at: Date | null;
  }[];
}

describe("capture", () => {
  it("hold 30 on 100, capture 20 → charged 20, 10 released, 80 available, journal sums to 80", async () => {
    const a = await makeLedgerAccount(t.db);
    const g = await give(t.db, a, 100);
    const r = rid();
    await reserve(t.db, { accountId: a, requestId: r, credits: 30 });
    const rc = await capture(t.db, { accountId: a, requestId: r, credits: 20, usage: usage() });
    expect(rc).toMatchObject({ heldCredits: 30, requestedCredits: 20, chargedCredits: 20, cappedCredits: 0, overageCredits: 0 });
    expect(rc.grants).toEqual([{ grantId: g, kind: "purchase", credits: 20 }]);
    const b = await getBalance(t.db, a);
    expect(b).toMatchObject({ availableCredits: 80, remainingCredits: 80, heldCredits: 0 });
    const [j] = (await t.db.execute(sql`select sum(remaining_delta)::int as rem, sum(held_delta)::int as held from ledger_entries where account_id = ${a}`)) as unknown as { rem: number; held: number }[];
    expect(j).toEqual({ rem: 80, held: 0 });
    await expectBooksBalance(t.db);
  });

  it("hold 30, capture 45 → charged 30 (capped at the hold), 15 capped and recorded", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 100);
    const r = rid();
    await reserve(t.db, { accountId: a, requestId: r, credits: 30 });
    const rc = await capture(t.db, { accountId: a, requestId: r, credits: 45, usage: usage() });
    expect(rc).toMatchObject({ chargedCredits: 30, requestedCredits: 45, cappedCredits: 15 });
    expect((await getBalance(t.db, a)).availableCredits).toBe(70);
    expect((await getReceipt(t.db, a, r))?.cappedCredits).toBe(15);
  });

  it("hold 300 = 250 grants + 50 overage, capture 270 → 250 from grants, 20 overage charged, 30 overage released, outbox 20", async () => {
    const a = await makeLedgerAccount(t.db, { plan: "pro" });
    await give(t.db, a, 250);
    const r = rid();
    await reserve(t.db, { accountId: a, requestId: r, credits: 300 });
    const rc = await capture(t.db, { accountId: a, requestId: r, credits: 270, usage: usage() });
    expect(rc).toMatchObject({ chargedCredits: 270, overageCredits: 20 });
    const b = await getBalance(t.db, a);
    expect(b.overage).toMatchObject({ usedCredits: 20, heldCredits: 0 });
    expect(b.remainingCredits).toBe(0);
    expect(await outbox(a)).toEqual([{ request_id: r, credits: 20, reported_at: null }]);
    await expectBooksBalance(t.db);
  });

  it("hold 300 = 250 grants + 50 overage, capture 200 → all from grants, 0 overage, no outbox row, 50 credits back", async () => {
    const a = await makeLedgerAccount(t.db, { plan: "pro" });
    await give(t.db, a, 250);
    const r = rid();
    await reserve(t.db, { accountId: a, requestId: r, credits: 300 });
    const rc = await capture(t.db, { accountId: a, requestId: r, credits: 200, usage: usage() });
    expect(rc.overageCredits).toBe(0);
    expect(await outbox(a)).toEqual([]);
    expect((await getBalance(t.db, a)).availableCredits).toBe(50);
  });

  it("hold spread 10 allowance + 20 purchase, capture 25 → receipt lists 10 allowance (included) and 15 purchase", async () => {
    const a = await makeLedgerAccount(t.db);
    const end = new Date(Date.now() + 86_400_000);
    const allowance = await give(t.db, a, 10, "plan_allowance", { expiresAt: end });
    const purchase = await give(t.db, a, 20, "purchase");
    const r = rid();
    await reserve(t.db, { accountId: a, requestId: r, credits: 30 });
    const rc = await capture(t.db, { accountId: a, requestId: r, credits: 25, usage: usage() });
    expect(rc.grants).toEqual([
      { grantId: allowance, kind: "plan_allowance", credits: 10 },
      { grantId: purchase, kind: "purchase", credits: 15 },
    ]);
    expect(rc.includedCredits).toBe(10);
    expect(await grantRow(t.db, purchase)).toMatchObject({ remaining: 5, held: 0 });
  });

  it("cache hit: hold 40, capture 0 with cacheHit → receipt with 0 credits, all 40 back", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 100);
    const r = rid();
    await reserve(t.db, { accountId: a, requestId: r, credits: 40 });
    const rc = await capture(t.db, { accountId: a, requestId: r, credits: 0, usage: usage({ cacheHit: true }) });
    expect(rc).toMatchObject({ chargedCredits: 0, cacheHit: true, grants: [] });
    expect((await getBalance(t.db, a)).availableCredits).toBe(100);
  });

  it("capture twice → second returns the first receipt, 20 charged once (80 left, not 60)", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 100);
    const r = rid();
    await reserve(t.db, { accountId: a, requestId: r, credits: 30 });
    const first = await capture(t.db, { accountId: a, requestId: r, credits: 20, usage: usage() });
    const second = await capture(t.db, { accountId: a, requestId: r, credits: 25, usage: usage() });
    expect(second.chargedCredits).toBe(20);
    expect(second.createdAt.getTime()).toBe(first.createdAt.getTime());
    expect((await getBalance(t.db, a)).availableCredits).toBe(80);
  });

  it("two concurrent captures of one request → one charge of 20", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 100);
    const r = rid();
    await reserve(t.db, { accountId: a, requestId: r, credits: 30 });
    const [x, y] = await Promise.all([
      capture(t.db, { accountId: a, requestId: r, credits: 20, usage: usage() }),
      capture(t.db, { accountId: a, requestId: r, credits: 20, usage: usage() }),
    ]);
    expect([x.chargedCredits, y.chargedCredits]).toEqual([20, 20]);
    expect((await getBalance(t.db, a)).availableCredits).toBe(80);
    await expectBooksBalance(t.db);
  });

  it("capture of a released hold → conflict; capture of an unknown request → not_found", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 100);
    const r = rid();
    await reserve(t.db, { accountId: a, requestId: r, credits: 30 });
    await release(t.db, { accountId: a, requestId: r, reason: "client went away" });
    expect((await fail(capture(t.db, { accountId: a, requestId: r, credits: 5, usage: usage() })))?.code).toBe("conflict");
    expect((await fail(capture(t.db, { accountId: a, requestId: rid(), credits: 5, usage: usage() })))?.code).toBe("not_found");
  });

  it("receipt carries usage and meta: user/key/action from the hold when the capture omits them", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 100);
    const r = rid();
    await reserve(t.db, { accountId: a, requestId: r, credits: 30, meta: { userId: "usr_1", apiKeyId: "key_1", action: "chat" } });
    await capture(t.db, { accountId: a, requestId: r, credits: 12, usage: { model: "gpt-x", inputTokens: 100, outputTokens: 50, cachedTokens: 7, status: "partial", latencyMs: 123.4 } });
    expect(await getReceipt(t.db, a, r)).toMatchObject({
      requestId: r,
      accountId: a,
      model: "gpt-x",
      action: "chat",
      userId: "usr_1",
      apiKeyId: "key_1",
      inputTokens: 100,
      outputTokens: 50,
      cachedTokens: 7,
      status: "partial",
      latencyMs: 123,
      chargedCredits: 12,
    });
  });

  it("getReceipt is scoped to the account: another account's request id → null", async () => {
    const a = await makeLedgerAccount(t.db);
    const b = await makeLedgerAccount(t.db);
    await give(t.db, a, 100);
    const r = rid();
    await reserve(t.db, { accountId: a, requestId: r, credits: 3 });
    await capture(t.db, { accountId: a, requestId: r, credits: 3, usage: usage() });
    expect(await getReceipt(t.db, b, r)).toBeNull();
    expect(await getReceipt(t.db, a, r)).not.toBeNull();
  });
});

describe("release", () => {
  it("hold 30 of 100, release → 100 available; release again → no-op; release unknown → no-op", async () => {
    const a = await makeLedgerAccount(t.db, { plan: "pro" });
    await give(t.db, a, 20);
    const r = rid();
    await reserve(t.db, { accountId: a, requestId: r, credits: 30 });
    await release(t.db, { accountId: a, requestId: r, reason: "upstream 502" });
    await release(t.db, { accountId: a, requestId: r, reason: "again" });
    await release(t.db, { accountId: a, requestId: rid(), reason: "never reserved" });
    const b = await getBalance(t.db, a);
    expect(b).toMatchObject({ availableCredits: 20, heldCredits: 0 });
    expect(b.overage.heldCredits).toBe(0);
    await expectBooksBalance(t.db);
  });

  it("release after capture → conflict, charge stands", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 100);
    const r = rid();
    await reserve(t.db, { accountId: a, requestId: r, credits: 30 });
    await capture(t.db, { accountId: a, requestId: r, credits: 10, usage: usage() });
    expect((await fail(release(t.db, { accountId: a, requestId: r, reason: "late" })))?.code).toBe("conflict");
    expect((await getBalance(t.db, a)).availableCredits).toBe(90);
  });
});

describe("rollup, outbox and notices", () => {
  it("captures of 5, 7 (chat/m1 by u1) and 11 (embed/m2 by u2) → daily rollup rows 12 and 11, and receipts 3", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 100);
    const run = async (credits: number, action: string, model: string, userId: string) => {
      const r = rid();
      await reserve(t.db, { accountId: a, requestId: r, credits, meta: { userId, action } });
      await capture(t.db, { accountId: a, requestId: r, credits, usage: { model, inputTokens: 1, outputTokens: 2 } });
    };
    await Promise.all([run(5, "chat", "m1", "u1"), run(7, "chat", "m1", "u1"), run(11, "embed", "m2", "u2")]);
    const rows = (await t.db.execute(
      sql`select action, model, user_id, requests::int, charged_credits::int as charged from usage_daily where account_id = ${a} order by action`,
    )) as unknown as Record<string, unknown>[];
    expect(rows).toEqual([
      { action: "chat", model: "m1", user_id: "u1", requests: 2, charged: 12 },
      { action: "embed", model: "m2", user_id: "u2", requests: 1, charged: 11 },
    ]);
  });

  it("soft limit 50: captures of 30, 30, 30 → one soft_limit notice, on the second capture (60 ≥ 50)", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 1000);
    await setLedgerFlags(t.db, a, { softLimitCredits: 50 });
    const notices = [];
    for (let i = 0; i < 3; i++) {
      const r = rid();
      await reserve(t.db, { accountId: a, requestId: r, credits: 30 });
      notices.push((await capture(t.db, { accountId: a, requestId: r, credits: 30, usage: usage() })).notices);
    }
    expect(notices[0]).toEqual([]);
    expect(notices[1]).toMatchObject([{ kind: "soft_limit", threshold: 50, value: 60 }]);
    expect(notices[2]).toEqual([]);
    const [n] = (await t.db.execute(sql`select count(*)::int as n from limit_notifications where account_id = ${a}`)) as unknown as { n: number }[];
    expect(n!.n).toBe(1);
  });

  it("hard limit 100 credits: overage captures of 60 then 40 → hard_limit notice on the one reaching 100", async () => {
    const a = await makeLedgerAccount(t.db, { plan: "pro" });
    await setLedgerFlags(t.db, a, { hardLimit: 100 });
    const r1 = rid();
    const r2 = rid();
    await reserve(t.db, { accountId: a, requestId: r1, credits: 60 });
    expect((await capture(t.db, { accountId: a, requestId: r1, credits: 60, usage: usage() })).notices).toEqual([]);
    await reserve(t.db, { accountId: a, requestId: r2, credits: 40 });
    expect((await capture(t.db, { accountId: a, requestId: r2, credits: 40, usage: usage() })).notices).toMatchObject([{ kind: "hard_limit", threshold: 100, value: 100 }]);
    expect((await outbox(a)).map((o) => o.credits)).toEqual([60, 40]);
    await expectBooksBalance(t.db);
  });
});

describe("journal", () => {
  it("is append-only: UPDATE or DELETE of a ledger entry → refused by the database", async () => {
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 10);
    const pgMessage = (p: Promise<unknown>) => p.then(() => "no error", (e: Error) => String((e.cause as Error | undefined)?.message ?? e.message));
    expect(await pgMessage(t.db.execute(sql`update ledger_entries set remaining_delta = 1000 where account_id = ${a}`))).toMatch(/append-only/);
    expect(await pgMessage(t.db.execute(sql`delete from ledger_entries where account_id = ${a}`))).toMatch(/append-only/);
    expect((await getBalance(t.db, a)).availableCredits).toBe(10);
  });
});
