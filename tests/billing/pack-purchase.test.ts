import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import type { TestDb } from "@/tests/db";
import { ctx, makeUser } from "@/tests/helpers/fixtures";
import { payCheckout, setupBillingHarness, TEST_WEBHOOK_SECRET, type BillingHarness } from "@/tests/helpers/billing";
import { billingPurchases, creditGrants, stripeEvents } from "@/db/schema";
import { checkoutStatus, createPackCheckout } from "@/lib/billing/checkout";
import { syncCatalogToStripe } from "@/lib/billing/sync";
import { paidPlans } from "@/lib/config/catalog";
import { POST } from "@/app/api/webhooks/stripe/route";
import { capture, checkLedgerInvariants, getBalance, reserve } from "@/lib/ledger";

let t: TestDb;
let h: BillingHarness;
setupBillingHarness((env) => ({ t, h } = env));

async function buyer() {
  const u = await makeUser(t.db);
  return ctx(u.personalAccountId, u.user.id, "owner");
}

const purchaseGrants = (accountId: string) => t.db.select().from(creditGrants).where(and(eq(creditGrants.accountId, accountId), eq(creditGrants.kind, "purchase")));

describe("stripe:sync", () => {
  it("a second run over the synced account changes nothing (6 prices, 2 products, 1 meter unchanged)", async () => {
    const lines = await syncCatalogToStripe(h.stripe);
    expect(lines.filter((l) => l.action !== "unchanged")).toEqual([]);
    expect(lines.filter((l) => l.object === "price")).toHaveLength(5);
    const overage = (await h.stripe.prices.list({ lookup_keys: ["meterline_pro_overage"] })).data[0];
    expect(String(overage?.unit_amount_decimal)).toBe("0.001");
    expect(overage?.recurring?.usage_type).toBe("metered");
  });
});

describe("credit pack through Checkout", () => {
  it("100,000 signup + 2,000,000 pack, each event delivered twice in shuffled order → 2,100,000 and exactly one grant", async () => {
    const actor = await buyer();
    h.emulator.chaos({ duplicate: true, shuffle: { seed: 7 } });
    try {
      const { url, sessionId } = await createPackCheckout(h.deps, actor, "starter");
      const paid = await payCheckout(url);
      expect(paid.status).toBe(303);
      expect(paid.location).toBe(`http://app.test/settings/billing/success?session_id=${sessionId}`);
      await h.settle();
    } finally {
      h.emulator.chaos({ duplicate: false, shuffle: false });
    }
    const grants = await purchaseGrants(actor.accountId);
    expect(grants.map((g) => g.amountCredits)).toEqual([2_000_000]);
    expect((await getBalance(t.db, actor.accountId)).availableCredits).toBe(2_100_000);
    const replays = h.answers.filter((a) => a.body.includes("already processed"));
    expect(replays.length).toBeGreaterThan(0);
  });

  it("success page polled before the webhook arrives → granted from Stripe's session, webhook then grants nothing more (10,100,000)", async () => {
    const actor = await buyer();
    h.emulator.chaos({ delayMs: 400 });
    try {
      const { url, sessionId } = await createPackCheckout(h.deps, actor, "growth");
      await payCheckout(url);
      const status = await checkoutStatus(h.deps, actor.accountId, sessionId);
      expect(status).toEqual({ status: "granted", credits: 10_000_000, availableCredits: 10_100_000 });
      await h.settle();
    } finally {
      h.emulator.chaos({ delayMs: 0 });
    }
    expect((await purchaseGrants(actor.accountId)).map((g) => g.amountCredits)).toEqual([10_000_000]);
    expect((await getBalance(t.db, actor.accountId)).availableCredits).toBe(10_100_000);
  });

  it("checkout opened but not paid → status pending, 100,000 signup credits only", async () => {
    const actor = await buyer();
    const { sessionId } = await createPackCheckout(h.deps, actor, "starter");
    expect(await checkoutStatus(h.deps, actor.accountId, sessionId)).toEqual({ status: "pending", credits: 2_000_000, availableCredits: 100_000 });
  });

  it("declined card → nothing granted, purchase stays pending", async () => {
    const actor = await buyer();
    const { url, sessionId } = await createPackCheckout(h.deps, actor, "starter");
    const r = await payCheckout(url, "4000000000000002");
    expect(r.status).not.toBe(303);
    await h.settle();
    expect(await purchaseGrants(actor.accountId)).toEqual([]);
    const [p] = await t.db.select().from(billingPurchases).where(eq(billingPurchases.id, sessionId));
    expect(p?.grantedAt).toBeNull();
  });
});

describe("delayed bank debit (SEPA)", () => {
  it("completed unpaid → nothing; async_payment_succeeded → 2,000,000 granted once; a failing IBAN → failed, nothing", async () => {
    const good = await buyer();
    const bad = await buyer();
    const g = await createPackCheckout(h.deps, good, "starter");
    const b = await createPackCheckout(h.deps, bad, "starter");
    expect((await payCheckout(g.url, "", "AT32 1904 3002 3547 3204")).status).toBe(303);
    expect((await payCheckout(b.url, "", "AT86 1904 3002 3547 3202")).status).toBe(303);
    await h.settle();
    expect((await purchaseGrants(good.accountId)).map((x) => x.amountCredits)).toEqual([2_000_000]);
    expect(await purchaseGrants(bad.accountId)).toEqual([]);
    const [failed] = await t.db.select().from(billingPurchases).where(eq(billingPurchases.id, b.sessionId));
    expect(failed?.status).toBe("failed");
    expect(h.answers.some((a) => a.body.includes(`checkout ${b.sessionId}: payment failed, nothing granted`))).toBe(true);
  });
});

describe("refunds", () => {
  it("2,000,000 pack, 600,000 spent (100,000 signup first, then 500,000 of the pack), full refund → 1,500,000 clawed back, balance 0", async () => {
    const actor = await buyer();
    const { url, sessionId } = await createPackCheckout(h.deps, actor, "starter");
    await payCheckout(url);
    await h.settle();
    await reserve(t.db, { accountId: actor.accountId, requestId: "r-spend", credits: 600_000 });
    await capture(t.db, { accountId: actor.accountId, requestId: "r-spend", credits: 600_000, usage: { model: "mock-1", inputTokens: 1, outputTokens: 1 } });
    const session = await h.stripe.checkout.sessions.retrieve(sessionId);
    await h.stripe.refunds.create({ payment_intent: session.payment_intent as string });
    await h.settle();
    expect((await getBalance(t.db, actor.accountId)).availableCredits).toBe(0);
    const [p] = await t.db.select().from(billingPurchases).where(eq(billingPurchases.id, sessionId));
    expect(p).toMatchObject({ status: "refunded", refundedCents: 1_000, clawedBackCredits: 1_500_000 });
    expect(await checkLedgerInvariants(t.db)).toEqual([]);
  });

  it("$4.50 then $4.50 refunded of a $45 10,000,000 pack → 1,000,000 then 1,000,000 clawed back, 8,100,000 left", async () => {
    const actor = await buyer();
    const { url, sessionId } = await createPackCheckout(h.deps, actor, "growth");
    await payCheckout(url);
    await h.settle();
    const pi = (await h.stripe.checkout.sessions.retrieve(sessionId)).payment_intent as string;
    await h.stripe.refunds.create({ payment_intent: pi, amount: 450 });
    await h.settle();
    expect((await getBalance(t.db, actor.accountId)).availableCredits).toBe(9_100_000);
    await h.stripe.refunds.create({ payment_intent: pi, amount: 450 });
    await h.settle();
    expect((await getBalance(t.db, actor.accountId)).availableCredits).toBe(8_100_000);
    const [p] = await t.db.select().from(billingPurchases).where(eq(billingPurchases.id, sessionId));
    expect(p).toMatchObject({ status: "partially_refunded", refundedCents: 900, clawedBackCredits: 2_000_000 });
  });
});

describe("webhook signature", () => {
  const body = JSON.stringify({ id: "evt_forged", type: "checkout.session.completed", data: { object: { id: "cs_x" } } });

  it("missing Stripe-Signature → 400 and no event recorded", async () => {
    const r = await POST(new Request("http://localhost/api/webhooks/stripe", { method: "POST", body }));
    expect(r.status).toBe(400);
    expect(await t.db.select().from(stripeEvents).where(eq(stripeEvents.id, "evt_forged"))).toEqual([]);
  });

  it("signature made with another secret → 400 and no event recorded", async () => {
    const header = h.stripe.webhooks.generateTestHeaderString({ payload: body, secret: "whsec_someone_else" });
    const r = await POST(new Request("http://localhost/api/webhooks/stripe", { method: "POST", body, headers: { "stripe-signature": header } }));
    expect(r.status).toBe(400);
    expect(await t.db.select().from(stripeEvents).where(eq(stripeEvents.id, "evt_forged"))).toEqual([]);
  });

  it("valid signature on an event type nobody handles → 200 'ignored', recorded once", async () => {
    const payload = JSON.stringify({ id: "evt_unhandled_1", object: "event", type: "customer.created", data: { object: { id: "cus_x" } } });
    const header = h.stripe.webhooks.generateTestHeaderString({ payload, secret: TEST_WEBHOOK_SECRET });
    const send = () => POST(new Request("http://localhost/api/webhooks/stripe", { method: "POST", body: payload, headers: { "stripe-signature": header } }));
    const first = await send();
    expect(first.status).toBe(200);
    expect(await first.text()).toContain("ignored");
    const again = await send();
    expect(await again.text()).toContain("already processed");
  });
});

describe("catalog", () => {
  it("every paid plan's Stripe overage price equals the ledger's price: 1,000 ¢ per 1,000,000 credits = 1 ¢ per 1,000", () => {
    for (const plan of paidPlans()) {
      expect(plan.stripe.overage.centsPerUnit * 1_000).toBe(plan.overagePriceCentsPer1000Credits * plan.stripe.overage.unitCredits);
    }
  });
});
