import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Stripe from "stripe";
import { afterAll, describe, expect, it } from "vitest";
import { EMULATOR_API_KEY, EMULATOR_WEBHOOK_SECRET, getStripe, getWebhookSecretOrThrow, stripeTarget } from "@/lib/billing/stripe-client";
import { resetEnvForTests } from "@/lib/config/env";
import { getIntegrations } from "@/lib/config/integrations";
import { startSandboxServices } from "../../sandbox";
import { createPlan, payCheckout, startHarness, startWebhookReceiver } from "./harness";

const dir = mkdtempSync(join(tmpdir(), "stripe-emulator-int-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `body` with these environment variables (undefined = unset), then restores them. */
async function withEnv<T>(vars: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetEnvForTests();
  };
  apply(vars);
  try {
    return await body();
  } finally {
    apply(saved);
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Database and LLM are "configured" so the sandbox starts only the Stripe emulator.
const OTHER_SERVICES = { DATABASE_URL: "postgres://unused@127.0.0.1:1/unused", LLM_BASE_URL: "http://127.0.0.1:1" };

describe("pointing the app at the emulator (tools/sandbox.ts → lib/billing/stripe-client.ts)", () => {
  it("with no STRIPE_SECRET_KEY, the sandbox env sends the app's client to the emulator and webhooks verify with the app's secret", async () => {
    const receiver = await startWebhookReceiver(EMULATOR_WEBHOOK_SECRET);
    const appUrl = receiver.url.replace(/\/api\/webhooks\/stripe$/, "");
    // An empty `STRIPE_WEBHOOK_SECRET=` line (as in a copied .env) must mean "unset" on both sides.
    const vars = { ...OTHER_SERVICES, STRIPE_SECRET_KEY: undefined, STRIPE_EMULATOR_URL: undefined, STRIPE_WEBHOOK_SECRET: "", STRIPE_EMULATOR_PORT: "0" };
    await withEnv(vars, async () => {
      const services = await startSandboxServices({ dataDir: join(dir, "sandbox"), appUrl });
      try {
        expect(services.env.STRIPE_EMULATOR_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        await withEnv(services.env, async () => {
          expect(getIntegrations().stripe.mode).toBe("emulator");
          expect(stripeTarget()).toEqual({ apiKey: EMULATOR_API_KEY, baseUrl: services.env.STRIPE_EMULATOR_URL });
          expect(getWebhookSecretOrThrow()).toBe(EMULATOR_WEBHOOK_SECRET);
          const customer = await getStripe().customers.create({ email: "sandbox@example.com" });
          expect(customer.id).toMatch(/^cus_/);
          await waitFor(() => receiver.events.some((e) => e.type === "customer.created" && (e.data.object as Stripe.Customer).id === customer.id));
          expect(receiver.attempts.every((a) => a.verified)).toBe(true);
        });
      } finally {
        await services.stop();
        await receiver.close();
      }
    });
  });

  it("with STRIPE_SECRET_KEY + STRIPE_WEBHOOK_SECRET set, no emulator starts and the app's client targets api.stripe.com", async () => {
    const vars = { ...OTHER_SERVICES, STRIPE_SECRET_KEY: "sk_test_real_account", STRIPE_EMULATOR_URL: undefined, STRIPE_WEBHOOK_SECRET: "whsec_real_endpoint" };
    await withEnv(vars, async () => {
      const services = await startSandboxServices({ dataDir: join(dir, "real"), appUrl: "http://localhost:3999" });
      try {
        expect(services.env).toEqual({});
        expect(services.summary).toContain("Stripe: STRIPE_SECRET_KEY");
        expect(getIntegrations().stripe.mode).toBe("stripe");
        expect(stripeTarget()).toEqual({ apiKey: "sk_test_real_account" });
        expect(getWebhookSecretOrThrow()).toBe("whsec_real_endpoint");
      } finally {
        await services.stop();
      }
    });
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
