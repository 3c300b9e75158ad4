import { describe, expect, it } from "vitest";
import { and, eq, isNull } from "drizzle-orm";
import type { TestDb } from "@/tests/db";
import { ctx, makeUser } from "@/tests/helpers/fixtures";
import { payCheckout, setupBillingHarness, type BillingHarness } from "@/tests/helpers/billing";
import { billingDivergences, meterOutbox, meterReports } from "@/db/schema";
import { createStripeClient } from "@/lib/billing/stripe-client";
import { createSubscriptionCheckout } from "@/lib/billing/subscriptions";
import { flushMeterOutbox } from "@/lib/billing/meter/flush";
import { overageMeterIdOrThrow } from "@/lib/billing/prices";
import { divergenceBps, isDivergent, reconcileOverage } from "@/lib/billing/reconcile";
import { customerIdForAccount } from "@/lib/billing/customers";
import { catalog } from "@/lib/config/catalog";
import { capture, reserve } from "@/lib/ledger";

let t: TestDb;
let h: BillingHarness;
setupBillingHarness((env) => ({ t, h } = env));

const fastRetry = { baseMs: 1, maxMs: 1 };

async function proAccount() {
  const u = await makeUser(t.db);
  const actor = ctx(u.personalAccountId, u.user.id, "owner");
  const { url } = await createSubscriptionCheckout(h.deps, actor, "pro");
  await payCheckout(url);
  await h.settle();
  // Spend the 100,000 signup + 1,000,000 allowance so what follows is overage.
  await reserve(t.db, { accountId: actor.accountId, requestId: `${actor.accountId}-base`, credits: 1_100_000 });
  await capture(t.db, { accountId: actor.accountId, requestId: `${actor.accountId}-base`, credits: 1_100_000, usage: { model: "mock-1", inputTokens: 1, outputTokens: 1 } });
  return { actor, customerId: (await customerIdForAccount(t.db, actor.accountId))! };
}

let n = 0;
async function overage(accountId: string, credits: number) {
  const requestId = `req_ov_${++n}`;
  const hold = await reserve(t.db, { accountId, requestId, credits });
  expect(hold.overageCredits).toBe(credits);
  await capture(t.db, { accountId, requestId, credits, usage: { model: "mock-1", inputTokens: credits, outputTokens: 0 } });
}

async function stripeSum(customerId: string) {
  const meterId = await overageMeterIdOrThrow(h.stripe);
  const now = Math.floor(Date.now() / 1000);
  const start = now - (now % 60) - 3600;
  let total = 0;
  for await (const s of h.stripe.billing.meters.listEventSummaries(meterId, { customer: customerId, start_time: start, end_time: start + 7200 })) total += s.aggregated_value;
  return total;
}

describe("overage → Stripe through an outage", () => {
  it("5 × 10,000 then 3 × 10,000 overage during a 503 outage, worker 'restarted' → after recovery Stripe has 80,000, sent once; flushing again sends nothing", async () => {
    const { actor, customerId } = await proAccount();
    h.emulator.chaos({ outage: { status: 503 } });
    try {
      for (let i = 0; i < 5; i++) await overage(actor.accountId, 10_000);
      const first = await flushMeterOutbox(h.deps, { backoff: fastRetry });
      expect(first).toMatchObject({ built: 1, sent: 0, failed: 1 });
      for (let i = 0; i < 3; i++) await overage(actor.accountId, 10_000);
      await new Promise((r) => setTimeout(r, 5));
      const second = await flushMeterOutbox(h.deps, { backoff: fastRetry });
      expect(second).toMatchObject({ built: 1, sent: 0, failed: 1 });
    } finally {
      h.emulator.chaos({ outage: null });
    }
    const pending = await t.db.select().from(meterReports).where(and(eq(meterReports.accountId, actor.accountId), eq(meterReports.status, "pending")));
    expect(pending.map((r) => r.credits).sort()).toEqual([30_000, 50_000]);
    expect(pending.find((r) => r.credits === 50_000)?.attempts).toBe(2);

    // A new process: a fresh Stripe client, nothing in memory but the database.
    const restarted = { db: t.db, stripe: createStripeClient({ apiKey: h.emulator.apiKey, baseUrl: h.emulator.url }) };
    await new Promise((r) => setTimeout(r, 5));
    expect(await flushMeterOutbox(restarted, { backoff: fastRetry })).toMatchObject({ built: 0, sent: 2, failed: 0 });
    expect(await stripeSum(customerId)).toBe(80_000);
    expect(await flushMeterOutbox(restarted, { backoff: fastRetry })).toMatchObject({ built: 0, sent: 0 });
    const unreported = await t.db.select().from(meterOutbox).where(and(eq(meterOutbox.accountId, actor.accountId), isNull(meterOutbox.reportedAt)));
    expect(unreported).toEqual([]);
  });

  it("Stripe accepted the event but the worker died before recording it → the resend carries the same identifier, Stripe still has 20,000 not 40,000", async () => {
    const { actor, customerId } = await proAccount();
    await overage(actor.accountId, 20_000);
    await flushMeterOutbox(h.deps, { backoff: fastRetry }).catch(() => undefined);
    // Undo the local bookkeeping of the send, as if the process died after Stripe answered.
    const [report] = await t.db.select().from(meterReports).where(eq(meterReports.accountId, actor.accountId));
    expect(report?.status).toBe("sent");
    await t.db.update(meterReports).set({ status: "pending", sentAt: null }).where(eq(meterReports.id, report!.id));
    await t.db.update(meterOutbox).set({ reportedAt: null }).where(eq(meterOutbox.reportId, report!.id));
    expect(await flushMeterOutbox(h.deps)).toMatchObject({ sent: 1 });
    expect(await stripeSum(customerId)).toBe(20_000);
  });

  it("two workers flushing at once → each overage credit sent once (4 × 5,000 = 20,000)", async () => {
    const { actor, customerId } = await proAccount();
    for (let i = 0; i < 4; i++) await overage(actor.accountId, 5_000);
    const results = await Promise.all([flushMeterOutbox(h.deps), flushMeterOutbox(h.deps), flushMeterOutbox(h.deps)]);
    expect(results.reduce((s, r) => s + r.sent, 0)).toBe(1);
    expect(await stripeSum(customerId)).toBe(20_000);
  });
});

describe("reconciliation", () => {
  it("divergence arithmetic: 80,000 vs 80,500 → 63 bps; 80,000 vs 85,000 → 625 bps; 0 vs 1 → 10,000 bps; 80,800 is exactly 1% → not flagged, 80,801 → flagged", () => {
    expect(divergenceBps(80_000, 80_500)).toBe(63);
    expect(isDivergent(80_000, 80_800)).toBe(false);
    expect(isDivergent(80_000, 80_801)).toBe(true);
    expect(isDivergent(80_000, 79_199)).toBe(true);
    expect(isDivergent(0, 1)).toBe(true);
    expect(isDivergent(0, 0)).toBe(false);
    expect(divergenceBps(80_000, 85_000)).toBe(625);
    expect(divergenceBps(0, 1)).toBe(10_000);
    expect(divergenceBps(0, 0)).toBe(0);
  });

  it("ledger 40,000 = Stripe 40,000 → ok; +300 injected in Stripe (0.75%) → still ok; +5,000 more (13.25%) → one open divergence of 1325 bps", async () => {
    const { actor, customerId } = await proAccount();
    await overage(actor.accountId, 40_000);
    await flushMeterOutbox(h.deps);
    // Ten minutes on, everything sent so far is before the cut-off (now − 5 min).
    const later = { now: new Date(Date.now() + 10 * 60_000) };
    const reconcile = () => reconcileOverage(h.deps, later);
    const mine = (lines: Awaited<ReturnType<typeof reconcileOverage>>) => lines.find((l) => l.accountId === actor.accountId);
    expect(mine(await reconcile())).toMatchObject({ ledgerCredits: 40_000, stripeCredits: 40_000, result: "ok" });

    const inject = (value: number) =>
      h.stripe.billing.meterEvents.create({ event_name: catalog.meter.eventName, payload: { stripe_customer_id: customerId, value: String(value) } });
    await inject(300);
    expect(mine(await reconcile())).toMatchObject({ stripeCredits: 40_300, bps: 75, result: "ok" });
    await inject(5_000);
    expect(mine(await reconcile())).toMatchObject({ stripeCredits: 45_300, bps: 1325, result: "divergent" });
    await reconcile();
    const open = await t.db.select().from(billingDivergences).where(and(eq(billingDivergences.accountId, actor.accountId), isNull(billingDivergences.resolvedAt)));
    expect(open.map((d) => [d.ledgerCredits, d.stripeCredits, d.divergenceBps])).toEqual([[40_000, 45_300, 1325]]);
  });

  it("steady overage: 40,000 sent + 10,000 captured and not yet sent → still compared: 40,000 = 40,000 ok; +500 injected (1.25%) → divergent", async () => {
    const { actor, customerId } = await proAccount();
    await overage(actor.accountId, 40_000);
    await flushMeterOutbox(h.deps);
    await overage(actor.accountId, 10_000); // in the outbox, never flushed
    const later = { now: new Date(Date.now() + 10 * 60_000) };
    const mine = (lines: Awaited<ReturnType<typeof reconcileOverage>>) => lines.find((l) => l.accountId === actor.accountId);
    expect(mine(await reconcileOverage(h.deps, later))).toMatchObject({ ledgerCredits: 40_000, stripeCredits: 40_000, result: "ok" });
    await h.stripe.billing.meterEvents.create({ event_name: catalog.meter.eventName, payload: { stripe_customer_id: customerId, value: "500" } });
    expect(mine(await reconcileOverage(h.deps, later))).toMatchObject({ ledgerCredits: 40_000, stripeCredits: 40_500, bps: 125, result: "divergent" });
  });

  it("exactly at the threshold through the job: ledger 100,000 vs Stripe 101,000 (1%) → ok; 101,001 → divergent", async () => {
    const { actor, customerId } = await proAccount();
    await overage(actor.accountId, 100_000);
    await flushMeterOutbox(h.deps);
    const later = { now: new Date(Date.now() + 10 * 60_000) };
    const mine = (lines: Awaited<ReturnType<typeof reconcileOverage>>) => lines.find((l) => l.accountId === actor.accountId);
    const inject = (value: number) => h.stripe.billing.meterEvents.create({ event_name: catalog.meter.eventName, payload: { stripe_customer_id: customerId, value: String(value) } });
    await inject(1_000);
    expect(mine(await reconcileOverage(h.deps, later))).toMatchObject({ stripeCredits: 101_000, result: "ok" });
    await inject(1);
    expect(mine(await reconcileOverage(h.deps, later))).toMatchObject({ stripeCredits: 101_001, result: "divergent" });
  });
});
