import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import Stripe from "stripe";
import { afterAll, describe, expect, it } from "vitest";
import { startStripeEmulator } from "../index";
import { startWebhookReceiver, WEBHOOK_SECRET } from "./harness";

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const dir = mkdtempSync(join(tmpdir(), "stripe-emulator-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sandbox persistence", () => {
  it("keeps every object, idempotency key and meter identifier across a restart", async () => {
    const stateFile = join(dir, "nested", "state.json");
    const first = await startStripeEmulator({ port: 0, stateFile });
    let stripe = new Stripe("sk_test_persist", { ...first.stripeConfig, maxNetworkRetries: 0 });
    const customer = await stripe.customers.create({ email: "persist@example.com" }, { idempotencyKey: "persist-key" });
    const pm = await stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
    const meter = await stripe.billing.meters.create({ display_name: "Tokens", event_name: "persist_tokens", default_aggregation: { formula: "sum" } });
    const product = await stripe.products.create({ name: "Persisted" });
    const price = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 1200, recurring: { interval: "month" }, lookup_key: "persisted" });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: pm.id });
    const now = Math.floor(Date.now() / 1000);
    await stripe.billing.meterEvents.create({ event_name: "persist_tokens", payload: { stripe_customer_id: customer.id, value: "7" }, identifier: "persist-1", timestamp: now - 60 });
    await first.close();
    expect(existsSync(stateFile)).toBe(true);
    expect(readdirSync(join(dir, "nested")).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    const second = await startStripeEmulator({ port: 0, stateFile });
    stripe = new Stripe("sk_test_persist", { ...second.stripeConfig, maxNetworkRetries: 0 });
    try {
      expect(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).email).toBe("persist@example.com");
      expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
      expect((await stripe.prices.list({ lookup_keys: ["persisted"] })).data.map((p) => p.id)).toEqual([price.id]);
      expect(String((await stripe.prices.retrieve(price.id)).unit_amount_decimal)).toBe("1200");
      const replay = await stripe.customers.create({ email: "persist@example.com" }, { idempotencyKey: "persist-key" });
      expect(replay.id).toBe(customer.id);
      await stripe.billing.meterEvents.create({ event_name: "persist_tokens", payload: { stripe_customer_id: customer.id, value: "7" }, identifier: "persist-1", timestamp: now - 60 });
      const start = now - (now % 60) - 600;
      const summary = await stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: start, end_time: start + 1200 });
      expect(summary.data[0]?.aggregated_value).toBe(7);
      const events = await stripe.events.list({ limit: 100 });
      expect(events.data.some((e) => e.type === "customer.subscription.created")).toBe(true);
    } finally {
      await second.close();
    }
  });

  it("resumes undelivered webhooks after a restart", async () => {
    const stateFile = join(dir, "queue.json");
    const receiver = await startWebhookReceiver();
    const deadUrl = receiver.url;
    await receiver.close();
    const first = await startStripeEmulator({ port: 0, stateFile, webhookUrl: deadUrl, webhookSecret: WEBHOOK_SECRET, webhookRetry: { baseMs: 60_000, maxAttempts: 3 } });
    const stripe = new Stripe("sk_test_persist", { ...first.stripeConfig, maxNetworkRetries: 0 });
    const customer = await stripe.customers.create({ email: "queued@example.com" });
    await waitFor(() => first.deliveries().some((d) => !d.ok));
    await first.close();

    const live = await startWebhookReceiver();
    const second = await startStripeEmulator({ port: 0, stateFile, webhookUrl: live.url, webhookSecret: WEBHOOK_SECRET, webhookRetry: { baseMs: 10, maxAttempts: 3 } });
    try {
      expect(second.state().webhookQueue.length).toBeGreaterThan(0);
      // The queued retry is due in a minute; skip the wait through the control API.
      const res = await fetch(`${second.url}/_emulator/webhooks/retry`, { method: "POST" });
      expect(res.status).toBe(200);
      await second.flushWebhooks();
    } finally {
      await second.close();
      await live.close();
    }
    expect(live.events.some((e) => (e.data.object as Stripe.Customer).id === customer.id)).toBe(true);
  });
});

describe("a state file from before the separate identifier index", () => {
  it("rebuilds the index on load: a resend of 1 stored event is deduplicated → still 1 row", async () => {
    const { readFileSync, writeFileSync } = await import("node:fs");
    const stateFile = join(dir, "old-identifiers.json");
    const first = await startStripeEmulator({ port: 0, stateFile });
    let stripe = new Stripe("sk_test_persist", { ...first.stripeConfig, maxNetworkRetries: 0 });
    await stripe.billing.meters.create({ display_name: "Old", event_name: "old_units", default_aggregation: { formula: "sum" } });
    const customer = await stripe.customers.create({});
    const original = await stripe.billing.meterEvents.create({ event_name: "old_units", payload: { stripe_customer_id: customer.id, value: "4" }, identifier: "old-1" });
    await first.close();
    const saved = JSON.parse(readFileSync(stateFile, "utf8")) as Record<string, unknown>;
    delete saved.internalMeterIdentifiers;
    writeFileSync(stateFile, JSON.stringify(saved));

    const second = await startStripeEmulator({ port: 0, stateFile });
    stripe = new Stripe("sk_test_persist", { ...second.stripeConfig, maxNetworkRetries: 0 });
    try {
      const resent = await stripe.billing.meterEvents.create({ event_name: "old_units", payload: { stripe_customer_id: customer.id, value: "4" }, identifier: "old-1" });
      expect(resent).toEqual(original);
      expect(second.state().internalMeterEvents.filter((e) => e.customer === customer.id)).toHaveLength(1);
    } finally {
      await second.close();
    }
  });
});

describe("shutting down mid-delivery", () => {
  it("keeps the in-flight delivery queued: closed during attempt 1 → delivered once after the restart", async () => {
    const stateFile = join(dir, "in-flight.json");
    // An endpoint that takes the request and never answers, so close() lands mid-delivery.
    const seen: string[] = [];
    const hanging = createServer((req) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => seen.push(Buffer.concat(chunks).toString("utf8")));
    });
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", () => resolve()));
    const hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/api/webhooks/stripe`;
    const first = await startStripeEmulator({ port: 0, stateFile, webhookUrl: hangingUrl, webhookSecret: WEBHOOK_SECRET, webhookRetry: { baseMs: 10, maxAttempts: 3 } });
    const stripe = new Stripe("sk_test_persist", { ...first.stripeConfig, maxNetworkRetries: 0 });
    const customer = await stripe.customers.create({ email: "in-flight@example.com" });
    await waitFor(() => seen.some((body) => body.includes(customer.id)));
    await first.close();
    hanging.closeAllConnections();
    await new Promise<void>((resolve) => hanging.close(() => resolve()));

    const live = await startWebhookReceiver();
    const second = await startStripeEmulator({ port: 0, stateFile, webhookUrl: live.url, webhookSecret: WEBHOOK_SECRET, webhookRetry: { baseMs: 10, maxAttempts: 3 } });
    try {
      await second.flushWebhooks();
    } finally {
      await second.close();
      await live.close();
    }
    const created = live.events.filter((e) => e.type === "customer.created" && (e.data.object as Stripe.Customer).id === customer.id);
    expect(created).toHaveLength(1);
  });
});

describe("a damaged state file", () => {
  it("is set aside and the emulator starts empty", async () => {
    const { writeFileSync } = await import("node:fs");
    const stateFile = join(dir, "broken.json");
    writeFileSync(stateFile, "{ not json");
    const emulator = await startStripeEmulator({ port: 0, stateFile });
    try {
      const stripe = new Stripe("sk_test_broken", { ...emulator.stripeConfig, maxNetworkRetries: 0 });
      expect((await stripe.customers.list()).data).toEqual([]);
      expect(readdirSync(dir).some((f) => f.startsWith("broken.json.corrupt-"))).toBe(true);
    } finally {
      await emulator.close();
    }
  });
});
