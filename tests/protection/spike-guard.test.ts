import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import type Stripe from "stripe";
import type { TestDb } from "@/tests/db";
import { ctx, makeUser } from "@/tests/helpers/fixtures";
import { payCheckout, setupBillingHarness, type BillingHarness } from "@/tests/helpers/billing";
import { accounts, auditLog, billingInvoices, billingSubscriptions, invoiceFlags, notifications } from "@/db/schema";
import { onInvoiceCreated } from "@/lib/protection/spike-guard/on-invoice-created";
import { createSubscriptionCheckout } from "@/lib/billing/subscriptions";
import { flushMeterOutbox } from "@/lib/billing/meter/flush";
import { capture, reserve } from "@/lib/ledger";
import { catalog } from "@/lib/config/catalog";
import { asPlatformAdminOr404 } from "@/lib/admin/authz";
import { applyInvoiceCredit } from "@/lib/protection/spike-guard/credit";
import { increaseBps, isInvoiceSpike } from "@/lib/protection/spike-guard/predicate";

let t: TestDb;
let h: BillingHarness;
setupBillingHarness((env) => ({ t, h } = env));

describe("spike predicate", () => {
  it("2,900 → 4,640 (+60%) flagged; → 4,060 (+40%) not; → 4,350 (exactly +50%) not; no previous → never", () => {
    expect(isInvoiceSpike(4_640, 2_900)).toBe(true);
    expect(increaseBps(4_640, 2_900)).toBe(6_000);
    expect(isInvoiceSpike(4_060, 2_900)).toBe(false);
    expect(isInvoiceSpike(4_350, 2_900)).toBe(false);
    expect(isInvoiceSpike(4_351, 2_900)).toBe(true);
    expect(isInvoiceSpike(1_000_000, 0)).toBe(false);
  });
});

const MONTH_S = (from: number) => {
  const d = new Date(from * 1000);
  return Math.floor(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) / 1000);
};

const overage = catalog.plans.pro.stripe!.overage;
/** Credits whose overage costs exactly `cents`. */
const overageCreditsFor = (cents: number) => (cents * overage.unitCredits) / overage.centsPerUnit;

let seq = 0;
/**
 * Pro on a test clock (first invoice: $29 paid), then `overageCredits` of overage reported to
 * Stripe, then the clock moves just past the period end: the renewal invoice is created as a
 * draft (invoice.created) and finalized about an hour later.
 */
async function renewalWithOverage(overageCredits: number) {
  const u = await makeUser(t.db);
  const actor = ctx(u.personalAccountId, u.user.id, "owner");
  const now = Math.floor(Date.now() / 1000);
  const t0 = now - (now % 60);
  const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: t0 });
  const customer = await h.stripe.customers.create({ name: "Spiky", test_clock: clock.id, metadata: { account_id: actor.accountId } });
  await t.db.update(accounts).set({ stripeCustomerId: customer.id }).where(eq(accounts.id, actor.accountId));
  const { url } = await createSubscriptionCheckout(h.deps, actor, "pro");
  expect((await payCheckout(url)).status).toBe(303);
  await h.settle();
  const [sub] = await t.db.select().from(billingSubscriptions).where(eq(billingSubscriptions.accountId, actor.accountId));
  const included = 1_100_000; // 100,000 signup + 1,000,000 allowance
  const requestId = `req_spike_${++seq}`;
  await reserve(t.db, { accountId: actor.accountId, requestId, credits: included + overageCredits });
  await capture(t.db, { accountId: actor.accountId, requestId, credits: included + overageCredits, usage: { model: "standard", inputTokens: 1, outputTokens: 0 } });
  expect(await flushMeterOutbox(h.deps)).toMatchObject({ sent: 1, failed: 0 });
  await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: MONTH_S(t0) + 60 });
  await h.settle();
  const invoices = await h.stripe.invoices.list({ subscription: sub!.id });
  const renewal = invoices.data.find((i) => i.billing_reason === "subscription_cycle")!;
  const first = invoices.data.find((i) => i.billing_reason === "subscription_create")!;
  return { actor, clock, customer, renewal, first, t1: MONTH_S(t0) };
}

describe("invoice spike guard on invoice.created", () => {
  // Overage credits worth $17.40 (+60% on $29) and $11.60 (+40%) at the catalog's overage price.
  it("renewal $29 + $17.40 overage = $46.40, +60% on the previous $29 → flagged once with its breakdown, admins alerted; a balance credit on the draft lowers what is charged", async () => {
    const { actor, clock, renewal, customer, t1 } = await renewalWithOverage(overageCreditsFor(1_740));
    expect(renewal).toMatchObject({ status: "draft", total: 4_640 });
    const [flag] = await t.db.select().from(invoiceFlags).where(eq(invoiceFlags.accountId, actor.accountId));
    expect(flag).toMatchObject({ invoiceId: renewal.id, totalCents: 4_640, previousTotalCents: 2_900, increaseBps: 6_000, status: "open" });
    expect(flag!.breakdown.map((b) => b.amountCents).sort((a, b) => a - b)).toEqual([1_740, 2_900]);
    const alerts = await t.db.select().from(notifications).where(and(eq(notifications.accountId, actor.accountId), eq(notifications.kind, "invoice_flagged")));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.audience).toBe("platform");

    // The console applies $10.00 with a reason before finalization.
    const admin = asPlatformAdminOr404({ userId: actor.userId, email: "ops@example.test", name: "Ops", isPlatformAdmin: true });
    const credit = await applyInvoiceCredit(h.deps, admin, { accountId: actor.accountId, invoiceId: renewal.id!, amountCents: 1_000, reason: "runaway job, goodwill credit" });
    expect(credit).toMatchObject({ kind: "balance_transaction", amountCents: 1_000 });
    expect(credit.ref).toMatch(/^cbtxn_/);
    // A double submit does not credit twice (idempotent Stripe call).
    const again = await applyInvoiceCredit(h.deps, admin, { accountId: actor.accountId, invoiceId: renewal.id!, amountCents: 1_000, reason: "runaway job, goodwill credit" });
    expect(again.ref).toBe(credit.ref);
    const balance = await h.stripe.customers.retrieve(customer.id);
    expect((balance as Stripe.Customer).balance).toBe(-1_000);

    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: t1 + 2 * 3600 });
    await h.settle();
    const finalized = await h.stripe.invoices.retrieve(renewal.id!);
    expect(finalized.status).toBe("paid");
    expect(finalized.amount_paid).toBe(3_640);
    const [resolved] = await t.db.select().from(invoiceFlags).where(eq(invoiceFlags.invoiceId, renewal.id!));
    expect(resolved).toMatchObject({ status: "credited", creditCents: 1_000, creditRef: credit.ref });
    const audit = await t.db.select().from(auditLog).where(and(eq(auditLog.accountId, actor.accountId), eq(auditLog.action, "admin.invoice_credited")));
    expect(audit.map((a) => a.reason)).toEqual(["runaway job, goodwill credit", "runaway job, goodwill credit"]);
  });

  it("renewal $29 + $11.60 = $40.60, +40% → not flagged", async () => {
    const { actor, renewal } = await renewalWithOverage(overageCreditsFor(1_160));
    expect(renewal.total).toBe(4_060);
    expect(await t.db.select().from(invoiceFlags).where(eq(invoiceFlags.accountId, actor.accountId))).toEqual([]);
    const line = h.answers.find((a) => a.body.includes(renewal.id!) && a.body.includes("spike guard"));
    expect(line?.body).toMatch(/spike guard: ok \(\+40% on the previous invoice: within 50%\)/);
  });

  it("a paid invoice gets a credit note (credited to the customer's balance); another account's invoice is 404", async () => {
    const { actor, first, customer } = await renewalWithOverage(1_000);
    const admin = asPlatformAdminOr404({ userId: actor.userId, email: "ops@example.test", name: "Ops", isPlatformAdmin: true });
    const credit = await applyInvoiceCredit(h.deps, admin, { accountId: actor.accountId, invoiceId: first.id!, amountCents: 500, reason: "service credit" });
    expect(credit).toMatchObject({ kind: "credit_note", invoiceStatus: "paid" });
    expect(credit.ref).toMatch(/^cn_/);
    const notes = await h.stripe.creditNotes.list({ invoice: first.id! });
    expect(notes.data.map((n) => n.amount)).toEqual([500]);
    expect(((await h.stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance).toBe(-500);
    const other = await makeUser(t.db);
    await expect(applyInvoiceCredit(h.deps, admin, { accountId: other.personalAccountId, invoiceId: first.id!, amountCents: 500, reason: "wrong account" })).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("invoice.created delivered late", () => {
  it("renewal $29 + $11.60 overage paid, then invoice.created redelivered → billing history keeps 1 overage line (1,160,000 credits) and 1 plan line ($29)", async () => {
    const credits = overageCreditsFor(1_160);
    const { renewal, clock, t1 } = await renewalWithOverage(credits);
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: t1 + 3 * 3600 });
    await h.settle();
    expect((await h.stripe.invoices.retrieve(renewal.id!)).status).toBe("paid");
    const event = { id: "evt_late_created", type: "invoice.created", data: { object: { id: renewal.id } } } as unknown as Stripe.Event;
    await onInvoiceCreated(h.deps, event);
    const [row] = await t.db.select().from(billingInvoices).where(eq(billingInvoices.id, renewal.id!));
    expect(row?.status).toBe("paid");
    expect(row?.lines.filter((l) => l.kind === "overage").map((l) => l.quantity)).toEqual([credits]);
    expect(row?.lines.filter((l) => l.kind === "plan").map((l) => l.amountCents)).toEqual([2_900]);
  });
});
