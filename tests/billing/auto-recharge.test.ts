import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import type { TestDb } from "@/tests/db";
import { ctx, makeUser } from "@/tests/helpers/fixtures";
import { payCheckout, setupBillingHarness, type BillingHarness } from "@/tests/helpers/billing";
import { auditLog, billingPurchases, creditGrants, notifications } from "@/db/schema";
import { createPackCheckout } from "@/lib/billing/checkout";
import { getAutoRecharge, rechargeAccountIfLow, runAutoRecharge, setAutoRecharge } from "@/lib/billing/auto-recharge";
import { customerIdForAccount } from "@/lib/billing/customers";
import { createStripeClient } from "@/lib/billing/stripe-client";
import { capture, getBalance, reserve } from "@/lib/ledger";

let t: TestDb;
let h: BillingHarness;
setupBillingHarness((env) => ({ t, h } = env));

let n = 0;
async function spend(accountId: string, credits: number) {
  const requestId = `req_ar_${++n}`;
  await reserve(t.db, { accountId, requestId, credits });
  await capture(t.db, { accountId, requestId, credits, usage: { model: "mock-1", inputTokens: credits, outputTokens: 0 } });
}

/** An account that bought the 2,000,000 pack (saving its card) and opted in: below 500,000 → buy "starter". */
async function optedIn() {
  const u = await makeUser(t.db);
  const actor = ctx(u.personalAccountId, u.user.id, "owner");
  const { url } = await createPackCheckout(h.deps, actor, "starter");
  await payCheckout(url);
  await h.settle();
  await setAutoRecharge(t.db, actor, { enabled: true, thresholdCredits: 500_000, packKey: "starter" });
  return actor;
}

const purchasesOf = (accountId: string, kind: "auto_recharge" | "checkout") =>
  t.db.select().from(billingPurchases).where(and(eq(billingPurchases.accountId, accountId), eq(billingPurchases.kind, kind)));

describe("auto-recharge", () => {
  it("2,100,000 − 1,700,000 = 400,000 < 500,000 → one off-session charge of $10 → 2,400,000; next run is above the threshold", async () => {
    const actor = await optedIn();
    await spend(actor.accountId, 1_700_000);
    const results = await runAutoRecharge(h.deps);
    expect(results.find((r) => r.accountId === actor.accountId)?.outcome).toBe("charged");
    expect((await getBalance(t.db, actor.accountId)).availableCredits).toBe(2_400_000);
    const [p] = await purchasesOf(actor.accountId, "auto_recharge");
    expect(p).toMatchObject({ status: "paid", credits: 2_000_000, amountCents: 1_000 });
    expect((await rechargeAccountIfLow(h.deps, actor.accountId)).detail).toBe("above threshold");
    await h.settle(); // payment_intent.succeeded arrives: grants nothing more
    expect((await getBalance(t.db, actor.accountId)).availableCredits).toBe(2_400_000);
    expect(await getAutoRecharge(t.db, actor.accountId)).toMatchObject({ enabled: true, inFlight: false, lastError: null });
  });

  it("3 concurrent runs below the threshold → exactly one charge (at most one in flight)", async () => {
    const actor = await optedIn();
    await spend(actor.accountId, 2_000_000);
    const outcomes = await Promise.all([1, 2, 3].map(() => rechargeAccountIfLow(h.deps, actor.accountId)));
    expect(outcomes.filter((o) => o.outcome === "charged")).toHaveLength(1);
    await h.settle();
    expect(await purchasesOf(actor.accountId, "auto_recharge")).toHaveLength(1);
    expect((await getBalance(t.db, actor.accountId)).availableCredits).toBe(100_000 + 2_000_000);
  });

  it("saved card now declines → no credits, auto-recharge turned off with the reason, audited", async () => {
    const actor = await optedIn();
    const customer = (await customerIdForAccount(t.db, actor.accountId))!;
    const failing = await h.stripe.paymentMethods.attach("pm_card_chargeCustomerFail", { customer });
    await h.stripe.customers.update(customer, { invoice_settings: { default_payment_method: failing.id } });
    await spend(actor.accountId, 2_000_000);
    const r = await rechargeAccountIfLow(h.deps, actor.accountId);
    expect(r.outcome).toBe("declined");
    await h.settle();
    expect((await getBalance(t.db, actor.accountId)).availableCredits).toBe(100_000);
    const settings = await getAutoRecharge(t.db, actor.accountId);
    expect(settings).toMatchObject({ enabled: false, inFlight: false });
    expect(settings?.lastError).toMatch(/declined/);
    const audit = await t.db.select().from(auditLog).where(and(eq(auditLog.accountId, actor.accountId), eq(auditLog.action, "billing.auto_recharge_declined")));
    expect(audit).toHaveLength(1);
    // The synchronous decline and its payment_intent.payment_failed webhook: one notice, sent after the commit.
    await new Promise((r) => setTimeout(r, 200));
    const notices = await t.db.select().from(notifications).where(and(eq(notifications.accountId, actor.accountId), eq(notifications.kind, "auto_recharge_failed")));
    expect(notices).toHaveLength(1);
    const grants = await t.db.select().from(creditGrants).where(and(eq(creditGrants.accountId, actor.accountId), eq(creditGrants.kind, "purchase")));
    expect(grants).toHaveLength(1);
  });

  it("opting in without a saved card (never bought) → conflict", async () => {
    const u = await makeUser(t.db);
    const actor = ctx(u.personalAccountId, u.user.id, "owner");
    await expect(setAutoRecharge(t.db, actor, { enabled: true, thresholdCredits: 1, packKey: "starter" })).rejects.toMatchObject({ code: "conflict" });
  });

  it("first charge's answer lost (500 after Stripe made it), retried before its webhook → same idempotency key → 1 payment intent, 1 grant: 100,000 + 2,000,000", async () => {
    const actor = await optedIn();
    await spend(actor.accountId, 2_000_000);
    // Between the app and the emulator: forwards everything, but answers the first PaymentIntent
    // create with a 500 after the emulator has made the charge (a response lost on the way back).
    let lost = 0;
    const keys: (string | null)[] = [];
    const proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", async () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "content-length") headers.set(k, v);
        const isCreate = req.method === "POST" && req.url === "/v1/payment_intents";
        if (isCreate) keys.push(headers.get("idempotency-key"));
        const upstream = await fetch(`${h.emulator.url}${req.url}`, { method: req.method, headers, body: req.method === "GET" ? undefined : Buffer.concat(chunks) });
        const body = await upstream.text();
        if (isCreate && lost++ === 0) {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: { type: "api_error", message: "connection reset on the way back" } }));
          return;
        }
        res.writeHead(upstream.status, { "content-type": "application/json" });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", () => resolve()));
    const stripe = createStripeClient({ apiKey: h.emulator.apiKey, baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
    // Webhooks held back, so the retry runs before payment_intent.succeeded could settle the charge.
    h.emulator.chaos({ delayMs: 400 });
    try {
      await expect(rechargeAccountIfLow({ db: t.db, stripe }, actor.accountId)).rejects.toThrow(/connection reset/);
      expect(await getAutoRecharge(t.db, actor.accountId)).toMatchObject({ enabled: true, inFlight: true });
      const retried = await rechargeAccountIfLow({ db: t.db, stripe }, actor.accountId);
      expect(retried.outcome).toBe("charged");
      await h.settle();
    } finally {
      h.emulator.chaos({ delayMs: 0 });
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    const customer = (await customerIdForAccount(t.db, actor.accountId))!;
    const intents = await h.stripe.paymentIntents.list({ customer, limit: 100 });
    expect(intents.data.filter((pi) => pi.metadata?.kind === "auto_recharge")).toHaveLength(1);
    expect(await purchasesOf(actor.accountId, "auto_recharge")).toHaveLength(1);
    expect((await getBalance(t.db, actor.accountId)).availableCredits).toBe(100_000 + 2_000_000);
    expect(await getAutoRecharge(t.db, actor.accountId)).toMatchObject({ enabled: true, inFlight: false });
  });
});
