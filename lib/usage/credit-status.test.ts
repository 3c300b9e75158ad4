import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/db";
import { ctx, makeUser } from "@/tests/helpers/fixtures";
import { catalog } from "@/lib/config/catalog";
import { usageUi } from "@/lib/config/usage";
import { getProtectionConfig, resetProtectionConfigForTests } from "@/lib/protection/config";
import { adjust, capture, reserve, setLimits, type Balance } from "@/lib/ledger";
import { getCreditStatus, isLowBalance } from "./credit-status";
import { limitState, showsLimitNotice } from "./limit-state";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  delete process.env.NOTIFY_LOW_BALANCE_CREDITS;
  resetProtectionConfigForTests();
});
afterEach(() => {
  delete process.env.NOTIFY_LOW_BALANCE_CREDITS;
  resetProtectionConfigForTests();
});

const T = usageUi.lowBalanceCredits;
type Overage = Balance["overage"];
const noOverage: Overage = { allowed: false, usedCredits: 0, heldCredits: 0, limitCredits: null, blocked: false };
const proOverage = (o: Partial<Overage> = {}): Overage => ({ allowed: true, usedCredits: 0, heldCredits: 0, limitCredits: null, blocked: false, ...o });
const state = (availableCredits: number, overage: Overage, usedCredits = 0, softLimitCredits: number | null = null) =>
  limitState({ balance: { availableCredits, overage }, usedCredits, softLimitCredits });

describe("limitState: when billable usage stops (mirrors the ledger's reserve rule)", () => {
  it("free, 1 credit available → not stopped; 0 available → out_of_credits", () => {
    expect(state(1, noOverage).stopped).toBeNull();
    expect(state(0, noOverage).stopped).toBe("out_of_credits");
  });

  it("pro, 0 available, overage allowed and no hard limit → not stopped (overage pays)", () => {
    expect(state(0, proOverage()).stopped).toBeNull();
  });

  it("pro, 0 available, block-overage switch on → overage_blocked; 1 available → not stopped yet", () => {
    expect(state(0, proOverage({ blocked: true })).stopped).toBe("overage_blocked");
    expect(state(1, proOverage({ blocked: true })).stopped).toBeNull();
  });

  it("pro, hard limit 5,000: used 4,999 + held 0 → room; 4,999 + held 1 = 5,000 → hard_limit; used 5,000 → hard_limit", () => {
    expect(state(0, proOverage({ limitCredits: 5_000, usedCredits: 4_999 })).stopped).toBeNull();
    expect(state(0, proOverage({ limitCredits: 5_000, usedCredits: 4_999, heldCredits: 1 })).stopped).toBe("hard_limit");
    expect(state(0, proOverage({ limitCredits: 5_000, usedCredits: 5_000 })).stopped).toBe("hard_limit");
  });

  it("soft limit 50,000: used 49,999 → not crossed; used 50,000 → crossed (the ledger notifies at used ≥ limit); no soft limit → never", () => {
    expect(state(10, noOverage, 49_999, 50_000).softLimitCrossed).toBe(false);
    expect(state(10, noOverage, 50_000, 50_000).softLimitCrossed).toBe(true);
    expect(state(10, noOverage, 10_000_000, null).softLimitCrossed).toBe(false);
  });
});

describe("showsLimitNotice: the shell's in-app notice", () => {
  it("soft limit crossed, still running → shown; stopped, soft not crossed → shown; neither → hidden", () => {
    expect(showsLimitNotice({ softLimitCrossed: true, stopped: null })).toBe(true);
    expect(showsLimitNotice({ softLimitCrossed: false, stopped: "hard_limit" })).toBe(true);
    expect(showsLimitNotice({ softLimitCrossed: false, stopped: null })).toBe(false);
  });
});

describe("isLowBalance: one threshold for the Top up prompt and the low-balance notification", () => {
  it("the notification's threshold is the usage config's unless the environment overrides it", () => {
    expect(getProtectionConfig().lowBalanceCredits).toBe(T);
    process.env.NOTIFY_LOW_BALANCE_CREDITS = String(T + 123);
    resetProtectionConfigForTests();
    expect(getProtectionConfig().lowBalanceCredits).toBe(T + 123);
  });

  it("free: threshold − 1 available → low; exactly the threshold → not low (both say 'below')", () => {
    expect(isLowBalance({ availableCredits: T - 1, overage: noOverage }, T)).toBe(true);
    expect(isLowBalance({ availableCredits: T, overage: noOverage }, T)).toBe(false);
  });

  it("pro with overage room: 0 available → not low (overage pays); switch on: threshold − 1 → low", () => {
    expect(isLowBalance({ availableCredits: 0, overage: proOverage() }, T)).toBe(false);
    expect(isLowBalance({ availableCredits: T - 1, overage: proOverage({ blocked: true }) }, T)).toBe(true);
  });

  it("threshold 0 (turned off) → 0 available is not low", () => {
    expect(isLowBalance({ availableCredits: 0, overage: noOverage }, 0)).toBe(false);
  });
});

let n = 0;
async function spend(accountId: string, userId: string, credits: number) {
  const requestId = `req_cs_${++n}`;
  await reserve(t.db, { accountId, requestId, credits, meta: { userId } });
  await capture(t.db, { accountId, requestId, credits, usage: { model: "standard", inputTokens: credits, outputTokens: 0, userId } });
}

describe("getCreditStatus on a real ledger (free account, signup grant from the catalog)", () => {
  it(`signup − (signup − threshold) = threshold available → not low; spend 1 more → threshold − 1 → low; spend the rest → out_of_credits`, async () => {
    const u = await makeUser(t.db, "Lou Balance");
    await adjust(t.db, { accountId: u.personalAccountId, credits: -(catalog.signupCredits - T), reason: "test: down to the threshold", actorUserId: null, sourceRef: "test:cs:1" });
    const atThreshold = await getCreditStatus(t.db, u.personalAccountId);
    expect(atThreshold).toMatchObject({ availableCredits: T, low: false, stopped: null });

    await spend(u.personalAccountId, u.user.id, 1);
    expect(await getCreditStatus(t.db, u.personalAccountId)).toMatchObject({ availableCredits: T - 1, low: true, stopped: null });

    await spend(u.personalAccountId, u.user.id, T - 1);
    expect(await getCreditStatus(t.db, u.personalAccountId)).toMatchObject({ availableCredits: 0, low: true, stopped: "out_of_credits" });
  });

  it("NOTIFY_LOW_BALANCE_CREDITS=5000 moves the prompt too: 5,000 available → not low, 4,999 → low", async () => {
    process.env.NOTIFY_LOW_BALANCE_CREDITS = "5000";
    resetProtectionConfigForTests();
    const u = await makeUser(t.db, "Env Override");
    await adjust(t.db, { accountId: u.personalAccountId, credits: -(catalog.signupCredits - 5_000), reason: "test", actorUserId: null, sourceRef: "test:cs:2" });
    expect((await getCreditStatus(t.db, u.personalAccountId)).low).toBe(false);
    await spend(u.personalAccountId, u.user.id, 1);
    expect((await getCreditStatus(t.db, u.personalAccountId)).low).toBe(true);
  });

  it("soft limit 30,000: used 29,999 → no notice; used 30,000 → softLimitCrossed, notice shown", async () => {
    const u = await makeUser(t.db, "Sol Soft");
    await setLimits(t.db, ctx(u.personalAccountId, u.user.id, "owner"), { softLimitCredits: 30_000 });
    await spend(u.personalAccountId, u.user.id, 29_999);
    const before = await getCreditStatus(t.db, u.personalAccountId);
    expect(before.softLimitCrossed).toBe(false);
    expect(showsLimitNotice(before)).toBe(false);
    await spend(u.personalAccountId, u.user.id, 1);
    const after = await getCreditStatus(t.db, u.personalAccountId);
    expect(after.softLimitCrossed).toBe(true);
    expect(showsLimitNotice(after)).toBe(true);
  });
});
