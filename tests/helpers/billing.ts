import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type Stripe from "stripe";
import type { Db } from "@/db/client";
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
