import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Stripe from "stripe";
import { afterAll, describe, expect, it } from "vitest";
import { stripeClientOptionsFromEnv } from "../client-options";
import { startSandboxStripeIfNeeded } from "../sandbox";
import { createPlan, payCheckout, startHarness } from "./harness";

const dir = mkdtempSync(join(tmpdir(), "stripe-emulator-int-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("pointing the app at the emulator", () => {
  it("reads STRIPE_API_BASE into the SDK's host/port/protocol options, or nothing for real Stripe", () => {
    expect(stripeClientOptionsFromEnv({ STRIPE_API_BASE: "http://127.0.0.1:12111" })).toEqual({ host: "127.0.0.1", port: 12111, protocol: "http" });
    expect(stripeClientOptionsFromEnv({ STRIPE_API_BASE: "https://stripe.internal" })).toEqual({ host: "stripe.internal", port: 443, protocol: "https" });
    expect(stripeClientOptionsFromEnv({})).toEqual({});
  });

  it("starts the sandbox only when no STRIPE_SECRET_KEY is set, and the env it returns works", async () => {
    expect(await startSandboxStripeIfNeeded({ STRIPE_SECRET_KEY: "sk_test_real" })).toBeNull();
    const sandbox = await startSandboxStripeIfNeeded({ STRIPE_EMULATOR_PORT: "0", STRIPE_EMULATOR_STATE: join(dir, "sandbox.json"), PORT: "3999" });
    expect(sandbox).not.toBeNull();
    try {
      const env = sandbox!.env;
      expect(env.STRIPE_WEBHOOK_SECRET).toBe("whsec_meterline_sandbox");
      const stripe = new Stripe(env.STRIPE_SECRET_KEY!, { ...stripeClientOptionsFromEnv(env), maxNetworkRetries: 0 });
      const customer = await stripe.customers.create({ email: "sandbox@example.com" });
      expect(customer.id).toMatch(/^cus_/);
      const health = (await (await fetch(`${env.STRIPE_API_BASE}/_emulator/health`)).json()) as { webhookUrl: string };
      expect(health.webhookUrl).toBe("http://localhost:3999/api/webhooks/stripe");
    } finally {
      await sandbox!.emulator.close();
    }
  });

  it("runs as a CLI configured from the environment", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "..", "cli.ts")], {
      env: { ...process.env, STRIPE_EMULATOR_PORT: "0", STRIPE_EMULATOR_STATE: join(dir, "cli.json"), STRIPE_WEBHOOK_SECRET: "whsec_cli" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`CLI did not start: ${out}`)), 20_000);
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m?.[1]) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.stderr.on("data", (chunk: Buffer) => {
          out += chunk.toString();
        });
        child.on("exit", (code) => reject(new Error(`CLI exited with ${code}: ${out}`)));
      });
      const res = await fetch(`${url}/v1/customers`, { headers: { Authorization: "Bearer sk_test_cli" } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { object: string }).object).toBe("list");
    } finally {
      child.kill("SIGTERM");
    }
  });
});

describe("invoice payments and subscription items", () => {
  it("links invoices to the PaymentIntent that paid them", async () => {
    const h = await startHarness();
    try {
      const plan = await createPlan(h.stripe, "_int");
      const customer = await h.stripe.customers.create({});
      const session = await h.stripe.checkout.sessions.create({
        mode: "subscription",
        customer: customer.id,
        line_items: [{ price: plan.flat.id, quantity: 2 }, { price: plan.metered.id }],
        success_url: "https://app.test/ok",
      });
      await payCheckout(session, { card: "4242424242424242" });
      const subId = (await h.stripe.checkout.sessions.retrieve(session.id)).subscription as string;
      const sub = await h.stripe.subscriptions.retrieve(subId, { expand: ["latest_invoice"] });
      const invoice = sub.latest_invoice as Stripe.Invoice;
      expect(invoice.total).toBe(4000);
      const withPayments = await h.stripe.invoices.retrieve(invoice.id, { expand: ["payments"] });
      const payment = withPayments.payments?.data[0];
      expect(payment).toMatchObject({ object: "invoice_payment", status: "paid", amount_paid: 4000, is_default: true });
      const pi = await h.stripe.paymentIntents.retrieve(payment?.payment.payment_intent as string);
      expect(pi.status).toBe("succeeded");
      const listed = await h.stripe.invoicePayments.list({ invoice: invoice.id });
      expect(listed.data.map((p) => p.id)).toEqual([payment?.id]);
      const items = await h.stripe.subscriptionItems.list({ subscription: subId });
      expect(items.data).toHaveLength(2);
      const item = await h.stripe.subscriptionItems.retrieve(items.data[0]!.id);
      expect(item.subscription).toBe(subId);
      const lines = await h.stripe.invoices.listLineItems(invoice.id);
      expect(lines.data.map((l) => l.quantity).sort()).toEqual([0, 2]);
    } finally {
      await h.close();
    }
  });

  it("records bank debits as sepa_debit charges", async () => {
    const h = await startHarness();
    try {
      const product = await h.stripe.products.create({ name: "Pack" });
      const price = await h.stripe.prices.create({ product: product.id, currency: "eur", unit_amount: 900 });
      const session = await h.stripe.checkout.sessions.create({ mode: "payment", line_items: [{ price: price.id, quantity: 1 }], success_url: "https://app.test/ok" });
      await payCheckout(session, { iban: "AT321904300235473204" });
      await h.emulator.flushWebhooks();
      const pi = await h.stripe.paymentIntents.retrieve((await h.stripe.checkout.sessions.retrieve(session.id)).payment_intent as string);
      const charge = await h.stripe.charges.retrieve(pi.latest_charge as string);
      expect(charge.payment_method_details?.type).toBe("sepa_debit");
      expect(charge.payment_method_details?.sepa_debit?.last4).toBe("3204");
    } finally {
      await h.close();
    }
  });
});
