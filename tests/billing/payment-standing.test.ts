import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import type Stripe from "stripe";
import { createTestDb, type TestDb } from "@/tests/db";
import { advanceClock, startBillingHarness, subscribeProOnClock, switchToFailingCard, type BillingHarness } from "@/tests/helpers/billing";
import { accountLedger, accounts, auditLog, billingInvoices, billingSubscriptions } from "@/db/schema";
import { asPlatformAdminOr404, type PlatformAdmin } from "@/lib/admin/authz";
import { makeUser } from "@/tests/helpers/fixtures";
import { setCustomerStatus } from "@/lib/admin/actions";
import { onInvoicePaid, onInvoicePaymentFailed } from "@/lib/billing/invoice-events";
import { syncSubscription } from "@/lib/billing/subscription-sync";
import { newId } from "@/lib/ids";
import { persistTrip, resetBreakerForTests, resumeBreaker } from "@/lib/protection";

let t: TestDb;
let h: BillingHarness;
beforeAll(async () => {
  t = await createTestDb();
  h = await startBillingHarness(t.db);
  const ops = await makeUser(t.db, "Ops");
  admin = asPlatformAdminOr404({ userId: ops.user.id, email: "ops@platform.test", isPlatformAdmin: true } as Parameters<typeof asPlatformAdminOr404>[0]);
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => resetBreakerForTests());

let admin: PlatformAdmin;

async function standing(accountId: string) {
  const [acc] = await t.db.select({ status: accounts.status }).from(accounts).where(eq(accounts.id, accountId));
  const [led] = await t.db.select().from(accountLedger).where(eq(accountLedger.accountId, accountId));
  return { status: acc?.status, ledgerStatus: led?.status, overageAllowed: led?.overageAllowed, paymentPastDue: led?.paymentPastDue };
}

/** Pro on a clock, renewal with a failing card → past due. */
async function renewalFails(p: Awaited<ReturnType<typeof subscribeProOnClock>>) {
  await switchToFailingCard(h, p.customer.id, p.subId);
  await advanceClock(h, p.clock.id, p.t1 + 3601);
  const sub = await h.stripe.subscriptions.retrieve(p.subId);
  return sub.latest_invoice as string;
}

async function payWithGoodCard(customerId: string, invoiceId: string) {
  const good = await h.stripe.paymentMethods.attach("pm_card_visa", { customer: customerId });
  await h.stripe.invoices.pay(invoiceId, { payment_method: good.id });
  await h.settle();
}

function breakerTrip(accountId: string) {
  return { id: newId("brk"), accountId, scope: "account" as const, apiKeyId: null, cause: "spend_spike" as const, message: "Spend spike: requests paused", details: {}, trippedAt: new Date() };
}

describe("payment standing is kept apart from a freeze", () => {
  it("breaker freeze → renewal payment fails while frozen → resume → past_due, overage off (not active); paid → active, overage on", async () => {
    const p = await subscribeProOnClock(t.db, h);
    await persistTrip(t.db, breakerTrip(p.actor.accountId));
    expect(await standing(p.actor.accountId)).toMatchObject({ status: "frozen", paymentPastDue: false });

    const invoiceId = await renewalFails(p);
    expect(await standing(p.actor.accountId)).toMatchObject({ status: "frozen", ledgerStatus: "frozen", paymentPastDue: true, overageAllowed: false });

    await resumeBreaker(t.db, { accountId: p.actor.accountId, actorUserId: p.user.user.id, reason: "fixed my loop", cautious: false });
    expect(await standing(p.actor.accountId)).toEqual({ status: "past_due", ledgerStatus: "past_due", overageAllowed: false, paymentPastDue: true });

    await payWithGoodCard(p.customer.id, invoiceId);
    expect(await standing(p.actor.accountId)).toEqual({ status: "active", ledgerStatus: "active", overageAllowed: true, paymentPastDue: false });
  });

  it("admin freeze → renewal fails → admin unfreeze → past_due, overage off", async () => {
    const p = await subscribeProOnClock(t.db, h);
    await setCustomerStatus(t.db, admin, { accountId: p.actor.accountId, status: "frozen", reason: "chargeback review" });
    await renewalFails(p);
    await setCustomerStatus(t.db, admin, { accountId: p.actor.accountId, status: "active", reason: "review done" });
    expect(await standing(p.actor.accountId)).toEqual({ status: "past_due", ledgerStatus: "past_due", overageAllowed: false, paymentPastDue: true });
    const [audit] = await t.db.select().from(auditLog).where(and(eq(auditLog.accountId, p.actor.accountId), eq(auditLog.action, "admin.account_unfrozen")));
    expect(audit?.after).toEqual({ status: "past_due" });
  });

  it("renewal fails (past_due) → admin freeze → invoice paid while frozen → still frozen, paid remembered → unfreeze → active, overage on", async () => {
    const p = await subscribeProOnClock(t.db, h);
    const invoiceId = await renewalFails(p);
    expect(await standing(p.actor.accountId)).toMatchObject({ status: "past_due", overageAllowed: false });

    await setCustomerStatus(t.db, admin, { accountId: p.actor.accountId, status: "frozen", reason: "abuse report" });
    await payWithGoodCard(p.customer.id, invoiceId);
    expect(await standing(p.actor.accountId)).toEqual({ status: "frozen", ledgerStatus: "frozen", overageAllowed: true, paymentPastDue: false });

    await setCustomerStatus(t.db, admin, { accountId: p.actor.accountId, status: "active", reason: "cleared" });
    expect(await standing(p.actor.accountId)).toEqual({ status: "active", ledgerStatus: "active", overageAllowed: true, paymentPastDue: false });
  });
});

describe("invoice events handled out of order", () => {
  it("payment_failed read the invoice while open, invoice.paid commits first → the mirror stays paid and the account is not past due", async () => {
    const p = await subscribeProOnClock(t.db, h);
    const invoiceId = await renewalFails(p);
    // The late payment_failed handler's view of the invoice: open, read before the payment.
    const staleOpen = await h.stripe.invoices.retrieve(invoiceId);
    expect(staleOpen.status).toBe("open");
    await payWithGoodCard(p.customer.id, invoiceId);
    expect(await standing(p.actor.accountId)).toMatchObject({ status: "active", paymentPastDue: false });

    // The emulator redelivers payment_failed after invoice.paid; its handler still holds the stale read.
    const staleStripe = { ...h.stripe, invoices: { ...h.stripe.invoices, retrieve: async () => staleOpen } } as unknown as Stripe;
    await onInvoicePaymentFailed({ db: t.db, stripe: staleStripe }, invoiceId);
    const [row] = await t.db.select({ status: billingInvoices.status }).from(billingInvoices).where(eq(billingInvoices.id, invoiceId));
    expect(row?.status).toBe("paid");
    expect(await standing(p.actor.accountId)).toEqual({ status: "active", ledgerStatus: "active", overageAllowed: true, paymentPastDue: false });
  });

  it("payment_failed (stale, open) and invoice.paid handled concurrently, 10 rounds → always paid and active", async () => {
    const p = await subscribeProOnClock(t.db, h);
    const invoiceId = await renewalFails(p);
    const staleOpen = await h.stripe.invoices.retrieve(invoiceId);
    await payWithGoodCard(p.customer.id, invoiceId);
    const staleStripe = { ...h.stripe, invoices: { ...h.stripe.invoices, retrieve: async () => staleOpen } } as unknown as Stripe;
    for (let i = 0; i < 10; i++) {
      await Promise.all([onInvoicePaymentFailed({ db: t.db, stripe: staleStripe }, invoiceId), onInvoicePaid({ db: t.db, stripe: h.stripe }, invoiceId)]);
      const [row] = await t.db.select({ status: billingInvoices.status }).from(billingInvoices).where(eq(billingInvoices.id, invoiceId));
      expect(row?.status).toBe("paid");
      expect(await standing(p.actor.accountId)).toMatchObject({ status: "active", paymentPastDue: false });
    }
  });
});

describe("subscription mirror ignores stale reads", () => {
  it("a handler holding the subscription as of period [t0, t1) runs after the renewal → the mirror keeps [t1, t2)", async () => {
    const p = await subscribeProOnClock(t.db, h);
    const stale = await h.stripe.subscriptions.retrieve(p.subId);
    await advanceClock(h, p.clock.id, p.t1 + 3600);
    const staleStripe = { ...h.stripe, subscriptions: { ...h.stripe.subscriptions, retrieve: async () => stale } } as unknown as Stripe;
    await syncSubscription({ db: t.db, stripe: staleStripe }, p.subId);
    const [row] = await t.db.select().from(billingSubscriptions).where(eq(billingSubscriptions.id, p.subId));
    expect(row?.currentPeriodStart.getTime()).toBe(p.t1 * 1000);
  });

  it("a handler holding the active subscription runs after it was cancelled → stays canceled, plan free", async () => {
    const p = await subscribeProOnClock(t.db, h);
    const stale = await h.stripe.subscriptions.retrieve(p.subId);
    await h.stripe.subscriptions.cancel(p.subId);
    await h.settle();
    const staleStripe = { ...h.stripe, subscriptions: { ...h.stripe.subscriptions, retrieve: async () => stale } } as unknown as Stripe;
    await syncSubscription({ db: t.db, stripe: staleStripe }, p.subId);
    const [row] = await t.db.select().from(billingSubscriptions).where(eq(billingSubscriptions.id, p.subId));
    expect(row?.status).toBe("canceled");
    const [acc] = await t.db.select({ plan: accounts.plan }).from(accounts).where(eq(accounts.id, p.actor.accountId));
    expect(acc?.plan).toBe("free");
  });
});
