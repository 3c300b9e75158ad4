import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type Stripe from "stripe";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll } from "vitest";
import type { Db } from "@/db/client";
import { createTestDb, type TestDb } from "@/tests/db";
import { accounts, billingSubscriptions } from "@/db/schema";
import { createSubscriptionCheckout } from "@/lib/billing/subscriptions";
import { ctx, makeUser } from "@/tests/helpers/fixtures";
import { POST as stripeWebhookRoute } from "@/app/api/webhooks/stripe/route";
import { createStripeClient } from "@/lib/billing/stripe-client";
import { syncCatalogToStripe } from "@/lib/billing/sync";
import type { BillingDeps } from "@/lib/billing/deps";
import { resetEnvForTests } from "@/lib/config/env";
import { startStripeEmulator, type StripeEmulator } from "@/tools/stripe-emulator";

export const TEST_WEBHOOK_SECRET = "whsec_billing_tests";

/**
 * The Stripe emulator on a free port, delivering signed webhooks to a small HTTP server that
 * hands each one to the real `POST /api/webhooks/stripe` route handler. The app's env points at
 * the emulator (so getStripe() in the route uses it), and the catalog is synced.
 */
export type BillingHarness = {
  emulator: StripeEmulator;
  stripe: Stripe;
  /** The in-test endpoint the emulator delivers to. */
  hookUrl: string;
  deps: BillingDeps;
  /** Every webhook answer: status and the line the route said. */
  answers: { status: number; body: string }[];
  /** Waits until every webhook delivery (and retry) has been answered. */
  settle(): Promise<void>;
  close(): Promise<void>;
};

/**
 * The setup every billing test file shares: a fresh database, the emulator and the webhook
 * receiver on it before the file's tests, closed after them. `ready` receives both.
 */
export function setupBillingHarness(ready: (env: { t: TestDb; h: BillingHarness }) => void): void {
  let h: BillingHarness | undefined;
  beforeAll(async () => {
    const t = await createTestDb();
    h = await startBillingHarness(t.db);
    ready({ t, h });
  });
  afterAll(async () => {
    await h?.close();
  });
}

export async function startBillingHarness(db: Db, options: { sync?: boolean } = {}): Promise<BillingHarness> {
  const answers: BillingHarness["answers"] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const response = await stripeWebhookRoute(new Request("http://localhost/api/webhooks/stripe", { method: "POST", headers, body: Buffer.concat(chunks) }));
      const body = await response.text();
      answers.push({ status: response.status, body });
      res.writeHead(response.status, { "content-type": "text/plain" });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/stripe`;
  const emulator = await startStripeEmulator({ port: 0, webhookUrl: hookUrl, webhookSecret: TEST_WEBHOOK_SECRET, webhookRetry: { baseMs: 20, maxAttempts: 6 }, asyncPaymentDelayMs: 10 });
  process.env.STRIPE_EMULATOR_URL = emulator.url;
  process.env.STRIPE_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET;
  delete process.env.STRIPE_SECRET_KEY;
  resetEnvForTests();
  const stripe = createStripeClient({ apiKey: emulator.apiKey, baseUrl: emulator.url });
  if (options.sync !== false) await syncCatalogToStripe(stripe);
  return {
    emulator,
    stripe,
    hookUrl,
    deps: { db, stripe, appUrl: "http://app.test" },
    answers,
    settle: () => emulator.flushWebhooks(20_000),
    async close() {
      await emulator.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Submits the hosted checkout form the way a browser does; returns the redirect. */
export async function payCheckout(url: string, card = "4242424242424242", iban = ""): Promise<{ status: number; location: string | null }> {
  const form = new URLSearchParams({ email: "buyer@example.test", name: "Ada Buyer", card_number: iban ? "" : card, card_expiry: "12 / 34", card_cvc: "123", iban });
  const r = await fetch(`${url}/pay`, { method: "POST", body: form, headers: { "content-type": "application/x-www-form-urlencoded" }, redirect: "manual" });
  await r.text();
  return { status: r.status, location: r.headers.get("location") };
}

/** A month after `from` (seconds), as the emulator's billing cycle counts it. */
export function monthAfterS(from: number): number {
  const d = new Date(from * 1000);
  return Math.floor(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) / 1000);
}

/**
 * A new account whose Stripe customer lives on a test clock frozen at (about) now, subscribed to
 * Pro through Checkout. `t1` is the end of the first period.
 */
export async function subscribeProOnClock(db: Db, h: BillingHarness) {
  const u = await makeUser(db);
  const actor = ctx(u.personalAccountId, u.user.id, "owner");
  const now = Math.floor(Date.now() / 1000);
  const t0 = now - (now % 60);
  const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: t0 });
  const customer = await h.stripe.customers.create({ name: "Clocked", test_clock: clock.id, metadata: { account_id: actor.accountId } });
  await db.update(accounts).set({ stripeCustomerId: customer.id }).where(eq(accounts.id, actor.accountId));
  const { url } = await createSubscriptionCheckout(h.deps, actor, "pro");
  const paid = await payCheckout(url);
  if (paid.status !== 303) throw new Error(`checkout answered ${paid.status}`);
  await h.settle();
  const [sub] = await db.select().from(billingSubscriptions).where(eq(billingSubscriptions.accountId, actor.accountId));
  return { user: u, actor, clock, customer, t0, t1: monthAfterS(t0), subId: sub!.id };
}

/** Moves the customer's test clock and waits for every webhook it caused. */
export async function advanceClock(h: BillingHarness, clockId: string, to: number): Promise<void> {
  await h.stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
  await h.settle();
}

/** Makes the subscription's next renewal fail: a card that attaches but declines charges. */
export async function switchToFailingCard(h: BillingHarness, customerId: string, subId: string): Promise<void> {
  const failing = await h.stripe.paymentMethods.attach("pm_card_chargeCustomerFail", { customer: customerId });
  await h.stripe.subscriptions.update(subId, { default_payment_method: failing.id });
  await h.settle();
}
