import { beforeAll, describe, expect, it } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { createTestDb, type TestDb } from "@/tests/db";
import { journalSums } from "@/tests/helpers/ledger";
import { ctx, makeTeamWith, makeUser } from "@/tests/helpers/fixtures";
import { auditLog, accountLedger } from "@/db/schema";
import { capture, getBalance, grant, reserve, setPlan, startPeriod } from "@/lib/ledger";
import { createApiKey } from "@/lib/api-keys/keys";
import { getUsageDashboard } from "./dashboard";
import { limitHistory, limitsFormSchema, updateLimitsFromForm } from "./limits-form";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});

let n = 0;
async function spend(accountId: string, credits: number, meta: { action: string; model: string; userId: string; apiKeyId?: string | null }) {
  const requestId = `req_dash_${++n}`;
  await reserve(t.db, { accountId, requestId, credits, meta });
  return capture(t.db, {
    accountId,
    requestId,
    credits,
    usage: { model: meta.model, action: meta.action, inputTokens: Math.floor(credits / 2), outputTokens: credits - Math.floor(credits / 2), userId: meta.userId, apiKeyId: meta.apiKeyId ?? null },
  });
}

const journal = (accountId: string) => journalSums(t.db, accountId);

describe("usage dashboard view-model equals the ledger", () => {
  it("team: 100,000 signup + 500,000 purchased + 10,000 promo, 5 captures (124,000) by 2 members, 2 models, 3 actions → every total = 124,000 and available = 486,000", async () => {
    const owner = await makeUser(t.db, "Olive Owner");
    const member = await makeUser(t.db, "Max Member");
    const team = await makeTeamWith(t.db, owner, [{ user: member.user, role: "member" }]);
    const oc = ctx(team.id, owner.user.id, "owner");
    await grant(t.db, { accountId: team.id, kind: "purchase", credits: 500_000, sourceRef: "cs_test_dash_1", amountCents: 1000 });
    await grant(t.db, { accountId: team.id, kind: "promo", credits: 10_000, sourceRef: "promo:dash", expiresAt: new Date(Date.now() + 7 * 86_400_000) });
    const { key } = await createApiKey(t.db, oc, "Prod agent");

    await spend(team.id, 40_000, { action: "chat.completions", model: "standard", userId: owner.user.id, apiKeyId: key.id });
    await spend(team.id, 30_000, { action: "chat.completions", model: "mock-large", userId: owner.user.id, apiKeyId: key.id });
    await spend(team.id, 25_000, { action: "embeddings", model: "standard", userId: member.user.id });
    await spend(team.id, 20_000, { action: "playground", model: "mock-large", userId: member.user.id });
    await spend(team.id, 9_000, { action: "chat.completions", model: "standard", userId: member.user.id, apiKeyId: key.id });

    const d = await getUsageDashboard(t.db, oc);
    const j = await journal(team.id);
    const sum = (rows: { chargedCredits: number }[] | null) => (rows ?? []).reduce((s, r) => s + r.chargedCredits, 0);

    expect(d.usedCredits).toBe(124_000);
    expect(j.capturedFromGrants + j.overageUsed).toBe(d.usedCredits);
    expect(sum(d.daily)).toBe(124_000);
    expect(sum(d.byAction)).toBe(124_000);
    expect(sum(d.byModel)).toBe(124_000);
    expect(sum(d.byMember)).toBe(124_000);
    expect(sum(d.byApiKey)).toBe(124_000);
    expect(sum(d.recent)).toBe(124_000);

    expect(d.availableCredits).toBe(610_000 - 124_000);
    expect(d.availableCredits).toBe(j.remaining);
    expect(d.availableCredits).toBe((await getBalance(t.db, team.id)).availableCredits);
    expect(d.sources.reduce((s, x) => s + x.totalCredits, 0)).toBe(j.remaining);

    expect(d.byAction.map((r) => [r.label, r.chargedCredits])).toEqual([
      ["chat.completions", 79_000],
      ["embeddings", 25_000],
      ["playground", 20_000],
    ]);
    expect(d.byAction[0]!.share).toBeCloseTo(79_000 / 124_000, 10);
    expect(d.byMember!.map((r) => [r.label, r.chargedCredits])).toEqual([
      ["Olive Owner", 70_000],
      ["Max Member", 54_000],
    ]);
    expect(d.byApiKey!.map((r) => [r.label.startsWith("Prod agent"), r.chargedCredits])).toEqual([
      [true, 79_000],
      [false, 45_000],
    ]);
  });

  it("a member sees the same totals but no per-member or per-key breakdown", async () => {
    const owner = await makeUser(t.db, "Ona Owner");
    const member = await makeUser(t.db, "Mia Member");
    const team = await makeTeamWith(t.db, owner, [{ user: member.user, role: "member" }]);
    await spend(team.id, 1_234, { action: "chat.completions", model: "standard", userId: member.user.id });
    const d = await getUsageDashboard(t.db, ctx(team.id, member.user.id, "member"));
    expect(d.usedCredits).toBe(1_234);
    expect(d.byMember).toBeNull();
    expect(d.byApiKey).toBeNull();
    expect(d.canEditLimits).toBe(false);
  });

  it("pro: 1,000,000 allowance, 1,300,000 used → 300,000 overage = $3.00 at $10 per 1M, and the journal agrees", async () => {
    const owner = await makeUser(t.db, "Pat Pro");
    const team = await makeTeamWith(t.db, owner);
    await setPlan(t.db, team.id, "pro");
    // One frozen instant: the projection divides by elapsed time, so "now" must not drift.
    const now = new Date();
    const start = new Date(now.getTime() - 10 * 86_400_000);
    const end = new Date(start.getTime() + 30 * 86_400_000);
    await startPeriod(t.db, team.id, { start, end });
    // Spend the signup grant first so that overage starts after the allowance.
    await spend(team.id, 700_000, { action: "chat.completions", model: "standard", userId: owner.user.id });
    await spend(team.id, 700_000, { action: "chat.completions", model: "standard", userId: owner.user.id });

    const d = await getUsageDashboard(t.db, ctx(team.id, owner.user.id, "owner"), now);
    const j = await journal(team.id);
    expect(d.usedCredits).toBe(1_400_000);
    expect(d.overageCredits).toBe(1_400_000 - 1_000_000 - 100_000);
    expect(d.overageCredits).toBe(j.overageUsed);
    expect(d.overageCents).toBe(300);
    expect(d.includedUsedCredits).toBe(1_000_000);
    expect(d.availableCredits).toBe(0);
    // 1,400,000 in 10 of 30 days → 4,200,000 projected; all future use is overage.
    expect(d.projection.projectedCredits).toBe(4_200_000);
    expect(d.projection.projectedOverageCredits).toBe(300_000 + 2_800_000);
    expect(d.projection.projectedOverageCents).toBe(3_100);
    expect(d.projection.projectedCents).toBe(2_900 + 3_100);
    expect(d.includedPerDayCredits).toBe(33_333);
  });
});

describe("limits: admins change them (audited), members cannot", () => {
  it("member posts hard limit 5,000 → forbidden, limits unchanged, no audit row; admin posts it → saved with an audit row (old → new)", async () => {
    const owner = await makeUser(t.db, "Lee Owner");
    const admin = await makeUser(t.db, "Ada Admin");
    const member = await makeUser(t.db, "Mo Member");
    const team = await makeTeamWith(t.db, owner, [
      { user: admin.user, role: "admin" },
      { user: member.user, role: "member" },
    ]);
    const form = limitsFormSchema.parse({ softLimitCredits: "1,000", hardLimit: "5000", blockOverage: "on" });
    expect(form).toEqual({ softLimitCredits: 1000, hardLimit: 5000, blockOverage: true });

    await expect(updateLimitsFromForm(t.db, ctx(team.id, member.user.id, "member"), form)).rejects.toMatchObject({ code: "forbidden", status: 403 });
    const [unchanged] = await t.db.select().from(accountLedger).where(eq(accountLedger.accountId, team.id));
    expect([unchanged!.softLimitCredits, unchanged!.hardLimit, unchanged!.blockOverage]).toEqual([null, null, false]);
    const auditCount = async () =>
      (await t.db.select({ c: sql<number>`count(*)::int` }).from(auditLog).where(and(eq(auditLog.accountId, team.id), eq(auditLog.action, "limits.updated"))))[0]!.c;
    expect(await auditCount()).toBe(0);

    const saved = await updateLimitsFromForm(t.db, ctx(team.id, admin.user.id, "admin"), { ...form, reason: "runaway agent" });
    expect(saved).toMatchObject({ softLimitCredits: 1000, hardLimit: 5000, blockOverage: true });
    expect(await auditCount()).toBe(1);
    const [change] = await limitHistory(t.db, team.id);
    expect(change).toMatchObject({ actor: "Ada Admin", reason: "runaway agent", before: { hardLimit: null }, after: { hardLimit: 5000, blockOverage: true } });

    const cleared = limitsFormSchema.parse({ softLimitCredits: "", hardLimit: "" });
    expect(await updateLimitsFromForm(t.db, ctx(team.id, owner.user.id, "owner"), cleared)).toMatchObject({ softLimitCredits: null, hardLimit: null, blockOverage: false });
  });

  it("rejects non-numbers: hard limit '12.5' and '-3' fail validation", () => {
    expect(limitsFormSchema.safeParse({ softLimitCredits: "", hardLimit: "12.5" }).success).toBe(false);
    expect(limitsFormSchema.safeParse({ softLimitCredits: "-3", hardLimit: "" }).success).toBe(false);
  });
});

describe("projection stops at the hard limit", () => {
  it("pro, 300,000 overage used in 10 of 30 days, hard limit 500,000 overage credits → projected overage 500,000 ($5.00 at $10 per 1M), not 3,100,000", async () => {
    const { projectPeriod } = await import("./projection");
    const { getPlanOrThrow } = await import("@/lib/config/catalog");
    const start = new Date("2026-01-01T00:00:00Z");
    const p = projectPeriod({
      plan: getPlanOrThrow("pro"),
      usedCredits: 1_400_000,
      overageUsedCredits: 300_000,
      availableCredits: 0,
      overageCapCredits: 500_000,
      periodStart: start,
      periodEnd: new Date("2026-01-31T00:00:00Z"),
      now: new Date("2026-01-11T00:00:00Z"),
    });
    expect(p.projectedOverageCredits).toBe(500_000);
    expect(p.projectedOverageCents).toBe(500);
    expect(p.projectedCents).toBe(2_900 + 500);
  });
});
