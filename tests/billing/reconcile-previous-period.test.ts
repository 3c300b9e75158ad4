import { describe, expect, it } from "vitest";
import { and, eq, isNull } from "drizzle-orm";
import type { TestDb } from "@/tests/db";
import { advanceClock, setupBillingHarness, subscribeProOnClock, type BillingHarness } from "@/tests/helpers/billing";
import { billingDivergences } from "@/db/schema";
import { flushMeterOutbox } from "@/lib/billing/meter/flush";
import { reconcileOverage } from "@/lib/billing/reconcile";
import { catalog } from "@/lib/config/catalog";
import { capture, reserve } from "@/lib/ledger";

let t: TestDb;
let h: BillingHarness;
setupBillingHarness((env) => ({ t, h } = env));

describe("reconciliation of the period before the current one", () => {
  it("250,000 overage billed by the renewal; +20,000 injected into that closed period → its line is divergent (800 bps) and recorded; the current period is ok", async () => {
    const p = await subscribeProOnClock(t.db, h);
    const requestId = `req_prev_${p.actor.accountId}`;
    await reserve(t.db, { accountId: p.actor.accountId, requestId, credits: 1_350_000 });
    await capture(t.db, { accountId: p.actor.accountId, requestId, credits: 1_350_000, usage: { model: "mock-1", inputTokens: 1, outputTokens: 0 } });
    expect(await flushMeterOutbox(h.deps)).toMatchObject({ sent: 1, failed: 0 });
    await advanceClock(h, p.clock.id, p.t1 + 3600); // renewal invoiced and paid: the current period is now [t1, t2)

    // Late usage reported into the closed period, unknown to the ledger.
    await h.stripe.billing.meterEvents.create({ event_name: catalog.meter.eventName, timestamp: p.t0 + 30, payload: { stripe_customer_id: p.customer.id, value: "20000" } });
    const lines = (await reconcileOverage(h.deps, { now: new Date((p.t1 + 7200) * 1000) })).filter((l) => l.accountId === p.actor.accountId);
    expect(lines.map((l) => [l.periodStart.getTime() / 1000, l.ledgerCredits, l.stripeCredits, l.result])).toEqual([
      [p.t0, 250_000, 270_000, "divergent"],
      [p.t1, 0, 0, "ok"],
    ]);
    const open = await t.db.select().from(billingDivergences).where(and(eq(billingDivergences.accountId, p.actor.accountId), isNull(billingDivergences.resolvedAt)));
    expect(open.map((d) => [d.periodStart.getTime() / 1000, d.ledgerCredits, d.stripeCredits, d.divergenceBps])).toEqual([[p.t0, 250_000, 270_000, 800]]);
  });
});
