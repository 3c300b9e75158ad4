import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asc, eq } from "drizzle-orm";
import type Stripe from "stripe";
import { createTestDb, type TestDb } from "@/tests/db";
import { ctx, makeUser } from "@/tests/helpers/fixtures";
import { payCheckout, startBillingHarness, TEST_WEBHOOK_SECRET, type BillingHarness } from "@/tests/helpers/billing";
import { accounts, billingInvoices, billingPurchases, billingSubscriptions, creditGrants } from "@/db/schema";
import { POST } from "@/app/api/webhooks/stripe/route";
import { createPackCheckout } from "@/lib/billing/checkout";
import { createSubscriptionCheckout } from "@/lib/billing/subscriptions";
import { getBalance } from "@/lib/ledger";

let t: TestDb;
let h: BillingHarness;
beforeAll(async () => {
  t = await createTestDb({ max: 20 });
  h = await startBillingHarness(t.db);
});
afterAll(async () => {
  await h?.close();
});

/**
 * The same purchases for a new account, with webhook delivery switched off: returns the events
 * Stripe produced for it, in order. Delivered later by hand, once or as a storm.
 */
async function scenarioEvents(packs: number): Promise<{ accountId: string; events: Stripe.Event[] }> {
  const u = await makeUser(t.db);
  const actor = ctx(u.personalAccountId, u.user.id, "owner");
  const before = new Set(Object.keys(h.emulator.state().events));
  h.emulator.setWebhook(null);
  try {
    for (let i = 0; i < packs; i++) {
      const { url } = await createPackCheckout(h.deps, actor, i % 2 === 0 ? "starter" : "growth");
      await payCheckout(url);
    }
    const sub = await createSubscriptionCheckout(h.deps, actor, "pro");
    await payCheckout(sub.url);
    const firstPack = (await t.db.select().from(billingPurchases).where(eq(billingPurchases.accountId, actor.accountId)).orderBy(asc(billingPurchases.createdAt)))[0]!;
    const session = await h.stripe.checkout.sessions.retrieve(firstPack.id);
    await h.stripe.refunds.create({ payment_intent: session.payment_intent as string, amount: 500 });
  } finally {
    h.emulator.setWebhook(h.hookUrl, TEST_WEBHOOK_SECRET);
  }
  const events = Object.values(h.emulator.state().events)
    .filter((e) => !before.has(e.id))
    .sort((a, b) => a.created - b.created);
  return { accountId: actor.accountId, events };
}

function deliver(event: Stripe.Event) {
  const payload = JSON.stringify(event);
  const header = h.stripe.webhooks.generateTestHeaderString({ payload, secret: TEST_WEBHOOK_SECRET });
  return POST(new Request("http://localhost/api/webhooks/stripe", { method: "POST", body: payload, headers: { "stripe-signature": header } }));
}

/** Like Stripe: a delivery not answered 2xx is retried until it is. */
async function deliverUntilAcknowledged(event: Stripe.Event) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const r = await deliver(event);
    await r.text();
    if (r.status === 200) return attempt;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`${event.id} never acknowledged`);
}

/** Everything billing writes for an account, without ids or timestamps. */
async function stateOf(accountId: string) {
  const [acc] = await t.db.select({ plan: accounts.plan, status: accounts.status }).from(accounts).where(eq(accounts.id, accountId));
  const grants = await t.db.select().from(creditGrants).where(eq(creditGrants.accountId, accountId));
  const purchases = await t.db.select().from(billingPurchases).where(eq(billingPurchases.accountId, accountId));
  const subs = await t.db.select().from(billingSubscriptions).where(eq(billingSubscriptions.accountId, accountId));
  const invoices = await t.db.select().from(billingInvoices).where(eq(billingInvoices.accountId, accountId));
  const balance = await getBalance(t.db, accountId);
  return {
    account: acc,
    availableCredits: balance.availableCredits,
    grants: grants.map((g) => `${g.kind}:${g.amountCredits}:${g.remainingCredits}:${g.voidedAt ? "void" : ""}`).sort(),
    purchases: purchases.map((p) => `${p.kind}:${p.packKey}:${p.status}:${p.refundedCents}:${p.clawedBackCredits}:${p.grantedAt ? "granted" : ""}`).sort(),
    subscriptions: subs.map((s) => `${s.plan}:${s.status}:${s.cancelAtPeriodEnd}`),
    invoices: invoices.map((i) => `${i.status}:${i.totalCents}`).sort(),
  };
}

describe("replay storm", () => {
  it("8 pack purchases + a subscription + a refund (≥ 50 events), each delivered 3 times concurrently → state identical to one delivery each", async () => {
    const once = await scenarioEvents(8);
    expect(once.events.length).toBeGreaterThanOrEqual(50);
    for (const e of once.events) await deliverUntilAcknowledged(e);
    const expected = await stateOf(once.accountId);
    expect(expected.account).toEqual({ plan: "pro", status: "active" });
    // 100,000 signup + 4 × 2,000,000 + 4 × 10,000,000 + 1,000,000 allowance − 1,000,000 refunded ($5 of the first $10 pack)
    expect(expected.availableCredits).toBe(100_000 + 4 * 2_000_000 + 4 * 10_000_000 + 1_000_000 - 1_000_000);

    const storm = await scenarioEvents(8);
    expect(storm.events.map((e) => e.type)).toEqual(once.events.map((e) => e.type));
    const deliveries = [...storm.events, ...storm.events, ...storm.events].sort(() => Math.random() - 0.5);
    await Promise.all(deliveries.map((e) => deliverUntilAcknowledged(e)));
    expect(await stateOf(storm.accountId)).toEqual(expected);
  });
});
