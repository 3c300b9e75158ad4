import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import type Stripe from "stripe";
import type { TestDb } from "@/tests/db";
import { ctx, makeUser } from "@/tests/helpers/fixtures";
import { payCheckout, setupBillingHarness, TEST_WEBHOOK_SECRET, type BillingHarness } from "@/tests/helpers/billing";
import { POST } from "@/app/api/webhooks/stripe/route";
import { accountLedger, accounts, billingInvoices, billingSubscriptions, creditGrants, meterOutbox } from "@/db/schema";
import { createSubscriptionCheckout, cancelAtPeriodEnd, changePlan, resumeSubscription } from "@/lib/billing/subscriptions";
import { flushMeterOutbox } from "@/lib/billing/meter/flush";
import { catalog } from "@/lib/config/catalog";
import { capture, checkLedgerInvariants, getBalance, reserve } from "@/lib/ledger";
import { AppError } from "@/lib/errors";

let t: TestDb;
let h: BillingHarness;
setupBillingHarness((env) => ({ t, h } = env));

const MONTH_S = (from: number) => {
  const d = new Date(from * 1000);
  return Math.floor(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) / 1000);
};

/** A new account whose Stripe customer lives on a test clock frozen at (about) now, subscribed to Pro through Checkout. */
async function proOnClock() {
  const u = await makeUser(t.db);
  const actor = ctx(u.personalAccountId, u.user.id, "owner");
  const now = Math.floor(Date.now() / 1000);
  const t0 = now - (now % 60);
  const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: t0 });
  const customer = await h.stripe.customers.create({ name: "Clocked", test_clock: clock.id, metadata: { account_id: actor.accountId } });
  await t.db.update(accounts).set({ stripeCustomerId: customer.id }).where(eq(accounts.id, actor.accountId));
  const { url } = await createSubscriptionCheckout(h.deps, actor, "pro");
  expect((await payCheckout(url)).status).toBe(303);
  await h.settle();
  const [sub] = await t.db.select().from(billingSubscriptions).where(eq(billingSubscriptions.accountId, actor.accountId));
  return { actor, clock, customer, t0, t1: MONTH_S(t0), subId: sub!.id };
}

let seq = 0;
async function use(accountId: string, credits: number) {
  const requestId = `req_sub_${++seq}`;
  await reserve(t.db, { accountId, requestId, credits });
  return capture(t.db, { accountId, requestId, credits, usage: { model: "mock-1", inputTokens: credits, outputTokens: 0 } });
}

async function advance(clock: Stripe.TestHelpers.TestClock, to: number) {
  await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: to });
  await h.settle();
}

describe("Pro subscription", () => {
  it("subscribe → plan pro, 100,000 signup + 1,000,000 allowance expiring at period end → 1,100,000", async () => {
    const { actor, t1 } = await proOnClock();
    const [acc] = await t.db.select().from(accounts).where(eq(accounts.id, actor.accountId));
    expect(acc).toMatchObject({ plan: "pro", status: "active" });
    const allowance = await t.db.select().from(creditGrants).where(and(eq(creditGrants.accountId, actor.accountId), eq(creditGrants.kind, "plan_allowance")));
    expect(allowance.map((g) => [g.amountCredits, g.expiresAt?.getTime()])).toEqual([[1_000_000, t1 * 1000]]);
    expect((await getBalance(t.db, actor.accountId)).availableCredits).toBe(1_100_000);
  });

  it("1,100,000 included + 250,000 overage → one meter event of 250,000 → renewal invoice = $29 + 250,000 × $0.00001 = $31.50, then a new 1,000,000 allowance", async () => {
    const { actor, clock, t1, subId } = await proOnClock();
    await use(actor.accountId, 1_000_000);
    const r = await use(actor.accountId, 350_000);
    expect(r.overageCredits).toBe(250_000);
    const flush = await flushMeterOutbox(h.deps);
    expect(flush).toMatchObject({ built: 1, sent: 1, failed: 0 });

    await advance(clock, t1 + 3600);
    const invoices = await h.stripe.invoices.list({ subscription: subId });
    const renewal = invoices.data.find((i) => i.billing_reason === "subscription_cycle")!;
    expect(renewal).toMatchObject({ status: "paid", total: 2_900 + 250 });
    const usageLine = renewal.lines.data.find((l) => l.quantity === 250_000);
    expect(usageLine?.amount).toBe(250);
    const [ledgerOverage] = await t.db.select({ credits: meterOutbox.credits }).from(meterOutbox).where(eq(meterOutbox.accountId, actor.accountId));
    expect(ledgerOverage?.credits).toBe(usageLine?.quantity);

    // invoice.paid for the cycle → the new period: overage reset, new allowance until the next end.
    const [ledger] = await t.db.select().from(accountLedger).where(eq(accountLedger.accountId, actor.accountId));
    expect(ledger).toMatchObject({ overageUsedCredits: 0, periodStart: new Date(t1 * 1000), periodEnd: new Date(MONTH_S(t1) * 1000) });
    expect((await getBalance(t.db, actor.accountId)).availableCredits).toBe(1_000_000);
    const history = await t.db.select().from(billingInvoices).where(eq(billingInvoices.accountId, actor.accountId));
    expect(history.map((i) => [i.status, i.totalCents]).sort()).toEqual([["paid", 2_900], ["paid", 3_150]]);
    expect(history.every((i) => i.number && i.hostedInvoiceUrl)).toBe(true);
    // Billing history carries the lines: the renewal's metered line is the overage, in credits.
    const renewalRow = history.find((i) => i.totalCents === 3_150)!;
    expect(renewalRow.lines.filter((l) => l.kind === "overage")).toEqual([expect.objectContaining({ quantity: 250_000, amountCents: 250 })]);
    expect(renewalRow.lines.filter((l) => l.kind === "plan").map((l) => l.amountCents)).toEqual([2_900]);
    expect(await checkLedgerInvariants(t.db)).toEqual([]);
  });

  it("renewal with a failing card → past due → a 1-credit overage request is refused → invoice paid with a good card (events duplicated, shuffled) → active, overage allowed again", async () => {
    const { actor, clock, customer, t1, subId } = await proOnClock();
    await use(actor.accountId, 1_100_000);
    const failing = await h.stripe.paymentMethods.attach("pm_card_chargeCustomerFail", { customer: customer.id });
    await h.stripe.subscriptions.update(subId, { default_payment_method: failing.id });
    await h.settle();
    await advance(clock, t1 + 3601);

    const [acc] = await t.db.select().from(accounts).where(eq(accounts.id, actor.accountId));
    expect(acc?.status).toBe("past_due");
    const refused = await reserve(t.db, { accountId: actor.accountId, requestId: "req_past_due", credits: 1 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).status).toBe(402);

    // The failure and the payment are then delivered twice each, shuffled, delayed until both
    // happened: invoice.paid may be handled before invoice.payment_failed, and must still win.
    h.emulator.chaos({ duplicate: true, shuffle: { seed: 3 }, delayMs: 50 });
    try {
      const sub = await h.stripe.subscriptions.retrieve(subId);
      const good = await h.stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
      await h.stripe.invoices.pay(sub.latest_invoice as string, { payment_method: good.id });
      await h.settle();
    } finally {
      h.emulator.chaos({ duplicate: false, shuffle: false, delayMs: 0 });
    }
    const [after] = await t.db.select().from(accounts).where(eq(accounts.id, actor.accountId));
    expect(after?.status).toBe("active");
    const [ledger] = await t.db.select().from(accountLedger).where(eq(accountLedger.accountId, actor.accountId));
    expect(ledger?.overageAllowed).toBe(true);
    // The new period's 1,000,000 allowance, then 1 credit of overage.
    const hold = await reserve(t.db, { accountId: actor.accountId, requestId: "req_restored", credits: 1_000_001 });
    expect(hold.overageCredits).toBe(1);
  });

  it("cancel at period end → still pro, flagged; resume → unflagged; period ends cancelled → free", async () => {
    const { actor, clock, t1 } = await proOnClock();
    const cancelled = await cancelAtPeriodEnd(h.deps, actor);
    expect(cancelled.plan).toBe("pro");
    let [sub] = await t.db.select().from(billingSubscriptions).where(eq(billingSubscriptions.accountId, actor.accountId));
    expect(sub?.cancelAtPeriodEnd).toBe(true);
    await resumeSubscription(h.deps, actor);
    [sub] = await t.db.select().from(billingSubscriptions).where(eq(billingSubscriptions.accountId, actor.accountId));
    expect(sub?.cancelAtPeriodEnd).toBe(false);

    // Downgrade to free = cancel at period end.
    await changePlan(h.deps, actor, "free");
    await h.settle();
    await advance(clock, t1 + 60);
    [sub] = await t.db.select().from(billingSubscriptions).where(eq(billingSubscriptions.accountId, actor.accountId));
    expect(sub?.status).toBe("canceled");
    const [acc] = await t.db.select().from(accounts).where(eq(accounts.id, actor.accountId));
    expect(acc?.plan).toBe("free");
    const [ledger] = await t.db.select().from(accountLedger).where(eq(accountLedger.accountId, actor.accountId));
    expect(ledger).toMatchObject({ plan: "free", overageAllowed: false, includedCredits: catalog.plans.free.includedCredits });
  });

  it("subscribing twice → conflict", async () => {
    const { actor } = await proOnClock();
    await expect(createSubscriptionCheckout(h.deps, actor, "pro")).rejects.toMatchObject({ code: "conflict" });
  });

  it("failed renewal then paid, with every event delivered in reverse order → invoice.payment_failed is handled last and changes nothing: active", async () => {
    const { actor, clock, customer, t1, subId } = await proOnClock();
    const failing = await h.stripe.paymentMethods.attach("pm_card_chargeCustomerFail", { customer: customer.id });
    await h.stripe.subscriptions.update(subId, { default_payment_method: failing.id });
    await h.settle();
    const before = new Set(Object.keys(h.emulator.state().events));
    h.emulator.setWebhook(null);
    try {
      await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: t1 + 3601 });
      const sub = await h.stripe.subscriptions.retrieve(subId);
      const good = await h.stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
      await h.stripe.invoices.pay(sub.latest_invoice as string, { payment_method: good.id });
    } finally {
      h.emulator.setWebhook(h.hookUrl, TEST_WEBHOOK_SECRET);
    }
    // Insertion order is the order Stripe emitted them; deliver newest first.
    const events = Object.values(h.emulator.state().events).filter((e) => !before.has(e.id)).reverse();
    const types = events.map((e) => e.type);
    expect(types.indexOf("invoice.paid")).toBeLessThan(types.indexOf("invoice.payment_failed"));
    for (const e of events) {
      const payload = JSON.stringify(e);
      const header = h.stripe.webhooks.generateTestHeaderString({ payload, secret: TEST_WEBHOOK_SECRET });
      const r = await POST(new Request("http://localhost/api/webhooks/stripe", { method: "POST", body: payload, headers: { "stripe-signature": header } }));
      expect(r.status).toBe(200);
    }
    const [acc] = await t.db.select().from(accounts).where(eq(accounts.id, actor.accountId));
    expect(acc?.status).toBe("active");
    const [ledger] = await t.db.select().from(accountLedger).where(eq(accountLedger.accountId, actor.accountId));
    expect(ledger).toMatchObject({ overageAllowed: true, periodStart: new Date(t1 * 1000) });
  });
});
