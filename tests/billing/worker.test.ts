import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { createTestDb, type TestDb } from "@/tests/db";
import { ctx, makeUser } from "@/tests/helpers/fixtures";
import { payCheckout, startBillingHarness, type BillingHarness } from "@/tests/helpers/billing";
import { creditGrants, holds, meterReports } from "@/db/schema";
import { createSubscriptionCheckout } from "@/lib/billing/subscriptions";
import { grantFreeMonthlyCredits, monthOf } from "@/lib/billing/free-grants";
import { startWorker, type Worker } from "@/lib/jobs/worker";
import { capture, reserve } from "@/lib/ledger";

let t: TestDb;
let h: BillingHarness;
let worker: Worker | undefined;
beforeAll(async () => {
  t = await createTestDb();
  h = await startBillingHarness(t.db);
});
afterAll(async () => {
  await worker?.stop();
  await h?.close();
});

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the worker (pg-boss)", () => {
  it("captured overage of 70,000 reaches Stripe through the worker's meter flush; a hold past its TTL is released by the sweeper", async () => {
    const u = await makeUser(t.db);
    const actor = ctx(u.personalAccountId, u.user.id, "owner");
    const { url } = await createSubscriptionCheckout(h.deps, actor, "pro");
    await payCheckout(url);
    await h.settle();
    await reserve(t.db, { accountId: actor.accountId, requestId: "w-1", credits: 1_170_000 });
    await capture(t.db, { accountId: actor.accountId, requestId: "w-1", credits: 1_170_000, usage: { model: "mock-1", inputTokens: 1, outputTokens: 1 } });
    await reserve(t.db, { accountId: actor.accountId, requestId: "w-stale", credits: 10, ttlSeconds: 1 });

    worker = await startWorker({ databaseUrl: t.url, stripe: h.stripe, meterFlushEveryMs: 200, log: () => {} });
    const sent = await until("the meter report", async () => {
      const [r] = await t.db.select().from(meterReports).where(and(eq(meterReports.accountId, actor.accountId), eq(meterReports.status, "sent")));
      return r;
    });
    expect(sent.credits).toBe(70_000);

    await worker.runNow("ledger.sweep-stale-holds");
    const released = await until("the stale hold's release", async () => {
      const [hold] = await t.db.select().from(holds).where(and(eq(holds.accountId, actor.accountId), eq(holds.requestId, "w-stale")));
      return hold?.status === "released" && hold;
    });
    expect(released.status).toBe("released");
  });
});

describe("monthly free credits", () => {
  it("free account, 50,000 a month: granted once for November (two runs), again for December, each expiring at its month's end", async () => {
    const u = await makeUser(t.db);
    const nov = new Date("2026-11-21T10:00:00Z");
    expect(await grantFreeMonthlyCredits(t.db, { now: nov, credits: 50_000 })).toBeGreaterThanOrEqual(1);
    await grantFreeMonthlyCredits(t.db, { now: nov, credits: 50_000 });
    await grantFreeMonthlyCredits(t.db, { now: new Date("2026-12-02T00:00:00Z"), credits: 50_000 });
    const grants = await t.db.select().from(creditGrants).where(and(eq(creditGrants.accountId, u.personalAccountId), eq(creditGrants.kind, "plan_allowance")));
    expect(grants.map((g) => [g.amountCredits, g.expiresAt?.toISOString()]).sort()).toEqual([
      [50_000, "2026-12-01T00:00:00.000Z"],
      [50_000, "2027-01-01T00:00:00.000Z"],
    ]);
    expect(monthOf(nov).key).toBe("2026-11");
  });

  it("catalog gives 0 free monthly credits → the job grants nothing", async () => {
    expect(await grantFreeMonthlyCredits(t.db)).toBe(0);
  });
});
