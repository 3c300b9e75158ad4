import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/db";
import { ctx, makeTeamWith, makeUser } from "@/tests/helpers/fixtures";
import { expectBooksBalance, give, makeLedgerAccount, rid, usage } from "@/tests/helpers/ledger";
import { accountLedger, accounts, auditLog } from "@/db/schema";
import { adjust, capture, getBalance, getLimits, periodSummary, reserve, setLimits, setPlan, startPeriod } from "@/lib/ledger";
import { catalog } from "@/lib/config/catalog";
import type { AppError } from "@/lib/errors";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});

const fail = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as AppError);

describe("setLimits / getLimits", () => {
  it("admin sets soft 500, hard 100, block on → stored, audited with before/after, next reserve obeys", async () => {
    const owner = await makeUser(t.db, "Olga Owner");
    const admin = await makeUser(t.db, "Adam Admin");
    const team = await makeTeamWith(t.db, owner, [{ user: admin.user, role: "admin" }]);
    await setPlan(t.db, team.id, "pro");
    const limits = await setLimits(t.db, ctx(team.id, admin.user.id, "admin"), { softLimitCredits: 500, hardLimit: 100, blockOverage: true }, "runaway agent");
    expect(limits).toMatchObject({ softLimitCredits: 500, hardLimit: 100, hardLimitUnit: catalog.limits.hardLimitUnit, blockOverage: true });
    const [audit] = await t.db.select().from(auditLog).where(and(eq(auditLog.accountId, team.id), eq(auditLog.action, "limits.updated")));
    expect(audit).toMatchObject({ actorUserId: admin.user.id, reason: "runaway agent" });
    expect(audit!.before).toMatchObject({ blockOverage: false });
    expect(audit!.after).toMatchObject({ blockOverage: true, hardLimit: 100 });
    // the team got catalog.signupCredits; one more needs overage, which is now blocked
    const signup = catalog.signupCredits;
    expect((await fail(reserve(t.db, { accountId: team.id, requestId: rid(), credits: signup + 1 })))?.code).toBe("overage_blocked");
    await setLimits(t.db, ctx(team.id, owner.user.id, "owner"), { blockOverage: false });
    expect((await reserve(t.db, { accountId: team.id, requestId: rid(), credits: signup + 1 })).overageCredits).toBe(1);
  });

  it("member cannot set limits → forbidden, nothing changes; member can read them", async () => {
    const owner = await makeUser(t.db, "Oona Owner");
    const member = await makeUser(t.db, "Mia Member");
    const team = await makeTeamWith(t.db, owner, [{ user: member.user, role: "member" }]);
    expect((await fail(setLimits(t.db, ctx(team.id, member.user.id, "member"), { hardLimit: 1 })))?.code).toBe("forbidden");
    expect(await getLimits(t.db, ctx(team.id, member.user.id, "member"))).toMatchObject({ hardLimit: null, blockOverage: false });
  });

  it("negative or fractional limits → invalid_input", async () => {
    const owner = await makeUser(t.db, "Ivo Owner");
    const c = ctx(owner.personalAccountId, owner.user.id, "owner");
    expect((await fail(setLimits(t.db, c, { hardLimit: -1 })))?.code).toBe("invalid_input");
    expect((await fail(setLimits(t.db, c, { softLimitCredits: 1.5 })))?.code).toBe("invalid_input");
  });
});

describe("hard limit changes mid-period", () => {
  it("hold 80 overage under limit 100, limit lowered to 50, capture 80 → 50 overage charged, 30 capped; outbox 50", async () => {
    const owner = await makeUser(t.db, "Hank Hardlimit");
    const a = owner.personalAccountId;
    const c = ctx(a, owner.user.id, "owner");
    await setPlan(t.db, a, "pro");
    await t.db.update(accountLedger).set({ hardLimitUnit: "credits" }).where(eq(accountLedger.accountId, a));
    await adjust(t.db, { accountId: a, credits: -catalog.signupCredits, reason: "start from zero", actorUserId: null, sourceRef: `zero:${a}` });
    await t.db.update(accountLedger).set({ hardLimit: 100 }).where(eq(accountLedger.accountId, a));
    const r = rid();
    expect((await reserve(t.db, { accountId: a, requestId: r, credits: 80 })).overageCredits).toBe(80);
    await t.db.update(accountLedger).set({ hardLimit: 50 }).where(eq(accountLedger.accountId, a));
    const rc = await capture(t.db, { accountId: a, requestId: r, credits: 80, usage: usage() });
    expect(rc).toMatchObject({ chargedCredits: 50, overageCredits: 50, cappedCredits: 30 });
    expect((await getBalance(t.db, a)).overage).toMatchObject({ usedCredits: 50, heldCredits: 0 });
    // used 50: setting the limit to 40 would put used above it → refused; 50 is fine
    expect((await fail(setLimits(t.db, c, { hardLimit: 40 })))?.code).toBe("invalid_input");
    await setLimits(t.db, c, { hardLimit: 50 });
    await expectBooksBalance(t.db);
  });
});

describe("signup and plans", () => {
  it("createUserWithPersonalAccount → ledger row on free and a signup grant of catalog.signupCredits (100)", async () => {
    const u = await makeUser(t.db, "Sam Signup");
    const b = await getBalance(t.db, u.personalAccountId);
    expect(b.availableCredits).toBe(catalog.signupCredits);
    expect(b.bySource).toEqual([{ kind: "signup", remainingCredits: catalog.signupCredits, expiresAt: null }]);
    expect(b.overage.allowed).toBe(false);
    await expectBooksBalance(t.db);
  });

  it("a team account gets its own ledger row and signup grant too", async () => {
    const owner = await makeUser(t.db, "Tina Team");
    const team = await makeTeamWith(t.db, owner);
    expect((await getBalance(t.db, team.id)).availableCredits).toBe(catalog.signupCredits);
  });

  it("setPlan pro → overage allowed, included credits and overage price copied from the catalog; account.plan follows", async () => {
    const a = await makeLedgerAccount(t.db);
    await setPlan(t.db, a, "pro");
    const [row] = await t.db.select().from(accountLedger).where(eq(accountLedger.accountId, a));
    expect(row).toMatchObject({ plan: "pro", overageAllowed: true, includedCredits: catalog.plans.pro.includedCredits, overagePriceCentsPer1000Credits: catalog.plans.pro.overagePriceCentsPer1000Credits });
    const [acc] = await t.db.select({ plan: accounts.plan }).from(accounts).where(eq(accounts.id, a));
    expect(acc!.plan).toBe("pro");
    expect((await fail(setPlan(t.db, a, "platinum")))).toBeInstanceOf(Error);
  });
});

describe("billing periods", () => {
  it("pro period: allowance I (catalog) expiring at period end; use I + 200 → I included + 200 overage; new period resets counters and grants a fresh I", async () => {
    const a = await makeLedgerAccount(t.db, { plan: "pro" });
    const start = new Date(Date.now() - 1000);
    const end = new Date(start.getTime() + 30 * 86_400_000);
    expect(await startPeriod(t.db, a, { start, end })).toEqual({ started: true });
    expect(await startPeriod(t.db, a, { start, end })).toEqual({ started: false });
    const I = catalog.plans.pro.includedCredits;
    const b = await getBalance(t.db, a);
    expect(b.bySource).toEqual([{ kind: "plan_allowance", remainingCredits: I, expiresAt: end }]);
    const r = rid();
    await reserve(t.db, { accountId: a, requestId: r, credits: I + 200 });
    await capture(t.db, { accountId: a, requestId: r, credits: I + 200, usage: usage() });
    expect(await periodSummary(t.db, a)).toMatchObject({
      usedCredits: I + 200,
      includedCredits: I,
      includedUsedCredits: I,
      includedRemainingCredits: 0,
      overageCredits: 200,
      overageCents: Math.round((200 * catalog.plans.pro.overagePriceCentsPer1000Credits) / 1000),
    });
    const next = { start: end, end: new Date(end.getTime() + 30 * 86_400_000) };
    await startPeriod(t.db, a, next);
    const s = await periodSummary(t.db, a);
    expect(s).toMatchObject({ usedCredits: 0, includedUsedCredits: 0, overageCredits: 0, periodStart: next.start, periodEnd: next.end });
    const [roll] = (await t.db.execute(
      sql`select overage_used_delta::int as d from ledger_entries where account_id = ${a} and kind = 'period_rollover' order by id desc limit 1`,
    )) as unknown as { d: number }[];
    expect(roll!.d).toBe(-200);
    await expectBooksBalance(t.db);
  });

  it("hard limit 100 per period: 100 overage used → next reserve refused; after startPeriod → allowed again", async () => {
    const a = await makeLedgerAccount(t.db, { plan: "pro" });
    await t.db.update(accountLedger).set({ hardLimit: 100 }).where(eq(accountLedger.accountId, a));
    const r = rid();
    await reserve(t.db, { accountId: a, requestId: r, credits: 100 });
    await capture(t.db, { accountId: a, requestId: r, credits: 100, usage: usage() });
    expect((await fail(reserve(t.db, { accountId: a, requestId: rid(), credits: 1 })))?.code).toBe("hard_limit_reached");
    await startPeriod(t.db, a, { start: new Date(), end: new Date(Date.now() + 86_400_000) });
    // the new period's allowance pays first; one more credit needs 1 overage credit of the fresh 100
    expect((await reserve(t.db, { accountId: a, requestId: rid(), credits: catalog.plans.pro.includedCredits + 1 })).overageCredits).toBe(1);
  });

  it("late webhook: period starting 1 Feb arrives after the 1 Mar period → ignored, counters keep March", async () => {
    const a = await makeLedgerAccount(t.db, { plan: "pro" });
    const feb = { start: new Date("2026-02-01T00:00:00Z"), end: new Date("2026-03-01T00:00:00Z") };
    const mar = { start: new Date("2026-03-01T00:00:00Z"), end: new Date("2026-04-01T00:00:00Z") };
    expect(await startPeriod(t.db, a, mar)).toEqual({ started: true });
    expect(await startPeriod(t.db, a, feb)).toEqual({ started: false });
    expect(await periodSummary(t.db, a)).toMatchObject({ periodStart: mar.start, periodEnd: mar.end });
    const [n] = (await t.db.execute(sql`select count(*)::int as n from credit_grants where account_id = ${a} and kind = 'plan_allowance'`)) as unknown as { n: number }[];
    expect(n!.n).toBe(1);
  });

  it("first billed period starting 1 h before the account's provisional period → started, counters reset", async () => {
    const a = await makeLedgerAccount(t.db, { plan: "pro" });
    const start = new Date(Date.now() - 3_600_000);
    expect(await startPeriod(t.db, a, { start, end: new Date(start.getTime() + 30 * 86_400_000) })).toEqual({ started: true });
    expect((await periodSummary(t.db, a)).periodStart).toEqual(start);
  });

  it("startPeriod with end before start → invalid_input", async () => {
    const a = await makeLedgerAccount(t.db);
    expect((await fail(startPeriod(t.db, a, { start: new Date(), end: new Date(Date.now() - 1) })))?.code).toBe("invalid_input");
  });
});

describe("usage queries", () => {
  it("receipts of 5 (chat/m1/u1/k1), 7 (chat/m2/u2/k1), 11 (embed/m1/u1/k2) → by day 23; by action chat 12 / embed 11; by model m1 16; by member u1 16; by key k1 12", async () => {
    const { usageByDay, usageBreakdown, recentReceipts } = await import("@/lib/ledger");
    const a = await makeLedgerAccount(t.db);
    await give(t.db, a, 100);
    const run = async (credits: number, action: string, model: string, userId: string, apiKeyId: string) => {
      const r = rid();
      await reserve(t.db, { accountId: a, requestId: r, credits });
      await capture(t.db, { accountId: a, requestId: r, credits, usage: { model, action, userId, apiKeyId, inputTokens: 1, outputTokens: 1 } });
    };
    await run(5, "chat", "m1", "u1", "k1");
    await run(7, "chat", "m2", "u2", "k1");
    await run(11, "embed", "m1", "u1", "k2");
    const range = { from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + 86_400_000) };
    const days = await usageByDay(t.db, a, range);
    expect(days).toHaveLength(1);
    expect(days[0]).toMatchObject({ requests: 3, chargedCredits: 23 });
    const pick = (rows: { key: string | null; chargedCredits: number }[]) => Object.fromEntries(rows.map((r) => [r.key, r.chargedCredits]));
    expect(pick(await usageBreakdown(t.db, a, { ...range, by: "action" }))).toEqual({ chat: 12, embed: 11 });
    expect(pick(await usageBreakdown(t.db, a, { ...range, by: "model" }))).toEqual({ m1: 16, m2: 7 });
    expect(pick(await usageBreakdown(t.db, a, { ...range, by: "member" }))).toEqual({ u1: 16, u2: 7 });
    expect(pick(await usageBreakdown(t.db, a, { ...range, by: "api_key" }))).toEqual({ k1: 12, k2: 11 });
    expect(await usageByDay(t.db, a, { from: new Date(Date.now() + 2 * 86_400_000), to: new Date(Date.now() + 3 * 86_400_000) })).toEqual([]);
    const recent = await recentReceipts(t.db, a, { limit: 2 });
    expect(recent.map((r) => r.chargedCredits)).toEqual([11, 7]);
  });
});
