import { beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { createTestDb, type TestDb } from "@/tests/db";
import { ctx, makeUser } from "@/tests/helpers/fixtures";
import { accountLedger, usageDaily } from "@/db/schema";
import { setLimits } from "@/lib/ledger";
import { applyAccountDefaults, defaultSoftLimitCredits } from "@/lib/protection/defaults";
import { getProtectionStatus } from "@/lib/protection/status";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});

async function withHistory(days: number, creditsPerDay: number) {
  const u = await makeUser(t.db, "History Holder");
  for (let d = 1; d <= days; d++) {
    const day = new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10);
    await t.db.insert(usageDaily).values({ accountId: u.personalAccountId, day, action: null, model: "standard", userId: u.user.id, apiKeyId: null, requests: 10, cacheHits: 0, chargedCredits: creditsPerDay, overageCredits: 0, includedCredits: 0, inputTokens: 1, outputTokens: 1 });
  }
  return u;
}
const softLimit = async (accountId: string) => (await t.db.select().from(accountLedger).where(eq(accountLedger.accountId, accountId)))[0]!;

describe("defaults a new account gets", () => {
  it("arithmetic: 100,000 credits over 10 active days, 30-day period → typical 300,000 → soft limit 240,000; 6 active days → none", () => {
    expect(defaultSoftLimitCredits({ creditsLast30Days: 100_000, activeDays: 10, periodDays: 30 })).toBe(240_000);
    expect(defaultSoftLimitCredits({ creditsLast30Days: 100_000, activeDays: 6, periodDays: 30 })).toBeNull();
  });

  it("new account: no soft limit, hard limit off, breaker on", async () => {
    const u = await makeUser(t.db);
    const row = await softLimit(u.personalAccountId);
    expect(row.softLimitCredits).toBeNull();
    expect(row.hardLimit).toBeNull();
    expect((await getProtectionStatus(t.db, u.personalAccountId)).breakerEnabled).toBe(true);
  });

  it("the job: 10 days × 10,000 → soft limit 240,000 once; too little history or an owner's own choice is left alone", async () => {
    const withIt = await withHistory(10, 10_000);
    const short = await withHistory(3, 10_000);
    const chose = await withHistory(10, 10_000);
    await setLimits(t.db, ctx(chose.personalAccountId, chose.user.id, "owner"), { softLimitCredits: null }, "we do not want one");
    const applied = await applyAccountDefaults(t.db);
    expect(applied).toEqual([{ accountId: withIt.personalAccountId, softLimitCredits: 240_000 }]);
    expect((await softLimit(withIt.personalAccountId)).softLimitCredits).toBe(240_000);
    expect((await softLimit(short.personalAccountId)).softLimitCredits).toBeNull();
    expect((await softLimit(chose.personalAccountId)).softLimitCredits).toBeNull();
    expect(await applyAccountDefaults(t.db)).toEqual([]);
  });
});
