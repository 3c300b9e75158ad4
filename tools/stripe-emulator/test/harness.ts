import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { startStripeEmulator, type StripeEmulator, type StripeEmulatorOptions } from "../index";

export const WEBHOOK_SECRET = "whsec_test_harness_secret";

/** A tiny webhook endpoint that verifies every delivery with the SDK, like the app will. */
export interface WebhookReceiver {
  url: string;
  events: Stripe.Event[];
  /** Raw deliveries, including ones that failed verification or were answered with an error. */
  attempts: Array<{ body: string; signature: string; verified: boolean; status: number }>;
  /** Answer the next N deliveries (whose body contains `match`, if given) with this status instead of 200. */
  failNext(count: number, status?: number, match?: string): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret = WEBHOOK_SECRET): Promise<WebhookReceiver> {
  const verifier = new Stripe("sk_test_verifier");
  const events: Stripe.Event[] = [];
  const attempts: WebhookReceiver["attempts"] = [];
  let failures: { count: number; status: number; match: string | null } = { count: 0, status: 500, match: null };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const signature = String(req.headers["stripe-signature"] ?? "");
      let verified = false;
      let event: Stripe.Event | null = null;
      try {
        event = verifier.webhooks.constructEvent(body, signature, secret);
        verified = true;
      } catch {
        verified = false;
      }
      let status = verified ? 200 : 400;
      if (verified && failures.count > 0 && (failures.match === null || body.includes(failures.match))) {
        failures.count -= 1;
        status = failures.status;
      }
      attempts.push({ body, signature, verified, status });
      if (status === 200 && event) events.push(event);
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ received: status === 200 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/api/webhooks/stripe`,
    events,
    attempts,
    failNext(count, status = 500, match) {
      failures = { count, status, match: match ?? null };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Harness {
  emulator: StripeEmulator;
  stripe: Stripe;
  receiver: WebhookReceiver;
  close(): Promise<void>;
  /** Events received so far with this type (after flushing deliveries). */
  received(type?: string): Promise<Stripe.Event[]>;
}

export async function startHarness(options: StripeEmulatorOptions = {}): Promise<Harness> {
  const receiver = await startWebhookReceiver();
  const emulator = await startStripeEmulator({
    port: 0,
    webhookUrl: receiver.url,
    webhookSecret: WEBHOOK_SECRET,
    webhookRetry: { baseMs: 10, maxAttempts: 4 },
    asyncPaymentDelayMs: 10,
    ...options,
  });
  const stripe = new Stripe("sk_test_contract", { ...emulator.stripeConfig, maxNetworkRetries: 0 });
  return {
    emulator,
    stripe,
    receiver,
    async received(type) {
      await emulator.flushWebhooks();
      return type ? receiver.events.filter((e) => e.type === type) : receiver.events;
    },
    async close() {
      await emulator.close();
      await receiver.close();
    },
  };
}

export interface PageResponse {
  status: number;
  location: string | null;
  html: string;
}

/** Submits the hosted checkout form exactly as a browser would. */
export async function payCheckout(
  session: Stripe.Checkout.Session,
  fields: { card?: string; expiry?: string; cvc?: string; email?: string; name?: string; iban?: string },
): Promise<PageResponse> {
  const form = new URLSearchParams({
    email: fields.email ?? "buyer@example.com",
    name: fields.name ?? "Ada Buyer",
    card_number: fields.card ?? "",
    card_expiry: fields.expiry ?? "12 / 34",
    card_cvc: fields.cvc ?? "123",
    iban: fields.iban ?? "",
  });
  const response = await fetch(`${session.url}/pay`, {
    method: "POST",
    body: form,
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    redirect: "manual",
  });
  return { status: response.status, location: response.headers.get("location"), html: await response.text() };
}

export async function getPage(url: string): Promise<PageResponse> {
  const response = await fetch(url, { redirect: "manual" });
  return { status: response.status, location: response.headers.get("location"), html: await response.text() };
}

export async function postForm(url: string, fields: Record<string, string>): Promise<PageResponse> {
  const response = await fetch(url, { method: "POST", body: new URLSearchParams(fields), redirect: "manual" });
  return { status: response.status, location: response.headers.get("location"), html: await response.text() };
}

/** A product with a flat monthly price and a metered per-unit price backed by a meter. */
export async function createPlan(stripe: Stripe, suffix = "") {
  const meter = await stripe.billing.meters.create({
    display_name: `AI tokens${suffix}`,
    event_name: `ai_tokens${suffix.replace(/\W/g, "_")}`,
    default_aggregation: { formula: "sum" },
    customer_mapping: { event_payload_key: "stripe_customer_id", type: "by_id" },
    value_settings: { event_payload_key: "value" },
  });
  const product = await stripe.products.create({ name: `Pro${suffix}`, metadata: { plan: "pro" } });
  const flat = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 2000, recurring: { interval: "month" }, lookup_key: `pro_monthly${suffix}` });
  const metered = await stripe.prices.create({
    product: product.id,
    currency: "usd",
    unit_amount_decimal: Stripe.Decimal.from("0.5"),
    recurring: { interval: "month", usage_type: "metered", meter: meter.id },
    lookup_key: `pro_tokens${suffix}`,
  });
  return { meter, product, flat, metered };
}

export const MONTH = 30 * 86_400;
