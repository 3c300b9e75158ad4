import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_WEBHOOK_RETRY } from "../index";
import { retryDelayMs } from "../webhooks/dispatcher";
import { signatureHeader } from "../webhooks/signing";
import { startHarness, startWebhookReceiver, WEBHOOK_SECRET, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterEach(async () => {
  h.emulator.chaos({ duplicate: false, shuffle: false, delayMs: 0, outage: null });
  await h.emulator.flushWebhooks();
});
afterAll(async () => {
  await h.close();
});

const verifier = new Stripe("sk_test_verifier");

/** Emits a burst of events: customer.created + product.created + price.created ×2 ... */
async function burst(tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push((await h.stripe.customers.create({ metadata: { tag, n: String(i) } })).id);
  return ids;
}

function customersWithTag(events: Stripe.Event[], tag: string): Stripe.Customer[] {
  return events.filter((e) => e.type === "customer.created").map((e) => e.data.object as Stripe.Customer).filter((c) => c.metadata.tag === tag);
}

describe("webhook signatures", () => {
  it("signs deliveries exactly as Stripe: constructEvent accepts them and rejects tampering", async () => {
    const customer = await h.stripe.customers.create({ email: "signed@example.com" });
    await h.emulator.flushWebhooks();
    const attempt = h.receiver.attempts.find((a) => a.body.includes(customer.id));
    expect(attempt?.verified).toBe(true);
    expect(attempt?.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const event = verifier.webhooks.constructEvent(attempt!.body, attempt!.signature, WEBHOOK_SECRET);
    expect(event.type).toBe("customer.created");
    expect(() => verifier.webhooks.constructEvent(attempt!.body.replace("signed@", "evil@"), attempt!.signature, WEBHOOK_SECRET)).toThrow(Stripe.errors.StripeSignatureVerificationError);
    expect(() => verifier.webhooks.constructEvent(attempt!.body, attempt!.signature, "whsec_wrong")).toThrow(Stripe.errors.StripeSignatureVerificationError);
    const stale = signatureHeader(attempt!.body, WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 3600);
    expect(() => verifier.webhooks.constructEvent(attempt!.body, stale, WEBHOOK_SECRET)).toThrow(Stripe.errors.StripeSignatureVerificationError);
    // The signature helper matches the SDK's own test header generator.
    const t = Math.floor(Date.now() / 1000);
    expect(signatureHeader("{}", WEBHOOK_SECRET, t)).toBe(verifier.webhooks.generateTestHeaderString({ payload: "{}", secret: WEBHOOK_SECRET, timestamp: t }));
  });

  it("delivers events in the order they happened by default", async () => {
    const ids = await burst("ordered");
    await h.emulator.flushWebhooks();
    expect(customersWithTag(h.receiver.events, "ordered").map((c) => c.id)).toEqual(ids);
  });
});

describe("retries", () => {
  it("retries non-2xx answers with exponential backoff and logs every attempt", async () => {
    h.receiver.failNext(2, 503);
    const customer = await h.stripe.customers.create({ metadata: { tag: "retry" } });
    await h.emulator.flushWebhooks();
    const event = h.receiver.events.find((e) => (e.data.object as Stripe.Customer).id === customer.id);
    expect(event).toBeDefined();
    const log = h.emulator.deliveries().filter((d) => d.eventId === event!.id);
    expect(log.map((d) => [d.attempt, d.status, d.ok])).toEqual([
      [1, 503, false],
      [2, 503, false],
      [3, 200, true],
    ]);
    const gap1 = Date.parse(log[1]!.at) - Date.parse(log[0]!.at);
    const gap2 = Date.parse(log[2]!.at) - Date.parse(log[1]!.at);
    expect(gap1).toBeGreaterThanOrEqual(10);
    expect(gap2).toBeGreaterThanOrEqual(20);
    const viaHttp = (await (await fetch(`${h.emulator.url}/_emulator/deliveries?event=${event!.id}`)).json()) as { data: unknown[] };
    expect(viaHttp.data).toHaveLength(3);
    expect((await h.stripe.events.retrieve(event!.id)).pending_webhooks).toBe(0);
  });

  it("gives up after the configured number of attempts without blocking later events", async () => {
    h.receiver.failNext(4, 500, '"tag": "doomed"');
    const doomed = await h.stripe.customers.create({ metadata: { tag: "doomed" } });
    const next = await h.stripe.customers.create({ metadata: { tag: "after-doomed" } });
    await h.emulator.flushWebhooks();
    const doomedAttempts = h.emulator.deliveries().filter((d) => d.eventType === "customer.created" && h.emulator.state().events[d.eventId]?.data.object && (h.emulator.state().events[d.eventId]!.data.object as Stripe.Customer).id === doomed.id);
    expect(doomedAttempts.map((d) => d.ok)).toEqual([false, false, false, false]);
    expect(customersWithTag(h.receiver.events, "after-doomed").map((c) => c.id)).toEqual([next.id]);
  });
});

describe("the default retry schedule", () => {
  it("doubles from 1 s to a 1 h ceiling: 1, 2, 4 … 2048 s, then 3600 s; 84 attempts span ≥ 72 h", () => {
    const delays = Array.from({ length: DEFAULT_WEBHOOK_RETRY.maxAttempts - 1 }, (_, i) => retryDelayMs(DEFAULT_WEBHOOK_RETRY, i + 1));
    expect(delays.slice(0, 13)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 3600].map((s) => s * 1000));
    expect(Math.max(...delays)).toBe(3_600_000);
    const totalMs = delays.reduce((a, b) => a + b, 0);
    expect(totalMs).toBe((4095 + 71 * 3600) * 1000);
    expect(totalMs).toBeGreaterThanOrEqual(72 * 3_600_000);
  });
});

describe("chaos switches", () => {
  it("duplicate: delivers each event twice with the same id", async () => {
    h.emulator.chaos({ duplicate: true });
    const c = await h.stripe.customers.create({ metadata: { tag: "dup" } });
    await h.emulator.flushWebhooks();
    const copies = h.receiver.events.filter((e) => e.type === "customer.created" && (e.data.object as Stripe.Customer).id === c.id);
    expect(copies).toHaveLength(2);
    expect(copies[0]!.id).toBe(copies[1]!.id);
  });

  it("shuffle: delivers a burst out of order (reproducibly by seed)", async () => {
    const res = await fetch(`${h.emulator.url}/_emulator/chaos`, { method: "POST", body: JSON.stringify({ shuffle: { seed: 7 } }) });
    expect(((await res.json()) as { shuffle: boolean }).shuffle).toBe(true);
    // One subscription start emits a burst of ~10 events in a single request.
    const customer = await h.stripe.customers.create({ metadata: { tag: "shuffled" } });
    const pm = await h.stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
    const product = await h.stripe.products.create({ name: "Shuffle" });
    const price = await h.stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 100, recurring: { interval: "month" } });
    await h.emulator.flushWebhooks();
    const before = h.receiver.events.length;
    await h.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: pm.id });
    await h.emulator.flushWebhooks();
    const delivered = h.receiver.events.slice(before).map((e) => e.id);
    const createdOrder = Object.values(h.emulator.state().events)
      .filter((e) => delivered.includes(e.id))
      .map((e) => e.id);
    expect(delivered.length).toBeGreaterThanOrEqual(5);
    expect([...delivered].sort()).toEqual([...createdOrder].sort());
    expect(delivered).not.toEqual(createdOrder);
  });

  it("delayMs: waits before each delivery but never delays the API response", async () => {
    h.emulator.chaos({ delayMs: 150 });
    const started = Date.now();
    const c = await h.stripe.customers.create({ metadata: { tag: "delayed" } });
    // Had the API waited for the delivery, the receiver would already have the event.
    expect(customersWithTag(h.receiver.events, "delayed")).toHaveLength(0);
    await h.emulator.flushWebhooks();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(customersWithTag(h.receiver.events, "delayed").map((x) => x.id)).toEqual([c.id]);
  });

  it("outage: the API answers 500 or 503 until cleared or until the window ends", async () => {
    h.emulator.chaos({ outage: { status: 503 } });
    const err = await h.stripe.customers.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect((err as Stripe.errors.StripeAPIError).statusCode).toBe(503);
    await fetch(`${h.emulator.url}/_emulator/chaos`, { method: "POST", body: JSON.stringify({ outage: { status: 500 } }) });
    await expect(h.stripe.customers.create({})).rejects.toMatchObject({ statusCode: 500, type: "StripeAPIError" });
    await fetch(`${h.emulator.url}/_emulator/chaos`, { method: "DELETE" });
    await expect(h.stripe.customers.list({ limit: 1 })).resolves.toMatchObject({ object: "list" });

    h.emulator.chaos({ outage: { status: 500, seconds: 1 } });
    await expect(h.stripe.customers.list({ limit: 1 })).rejects.toMatchObject({ statusCode: 500 });
    await new Promise((r) => setTimeout(r, 1100));
    await expect(h.stripe.customers.list({ limit: 1 })).resolves.toMatchObject({ object: "list" });
  });

  it("outage: the SDK's own retries get through once the outage ends", async () => {
    const retrying = new Stripe("sk_test_retry", { ...h.emulator.stripeConfig, maxNetworkRetries: 3 });
    h.emulator.chaos({ outage: { status: 503, seconds: 0.3 } });
    const customer = await retrying.customers.create({ email: "retry-through@example.com" });
    expect(customer.id).toMatch(/^cus_/);
    const matches = await h.stripe.customers.list({ email: "retry-through@example.com" });
    expect(matches.data).toHaveLength(1);
  });
});

describe("registered webhook endpoints", () => {
  it("delivers only the enabled events, signed with the endpoint's own secret", async () => {
    const receiver = await startWebhookReceiver("placeholder");
    try {
      const endpoint = await h.stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ["product.created"] });
      expect(endpoint.secret).toMatch(/^whsec_/);
      const other = await startWebhookReceiver(endpoint.secret);
      await h.stripe.webhookEndpoints.update(endpoint.id, { url: other.url });
      await h.stripe.customers.create({});
      const product = await h.stripe.products.create({ name: "Endpoint test" });
      await h.emulator.flushWebhooks();
      expect(other.events.map((e) => e.type)).toEqual(["product.created"]);
      expect((other.events[0]?.data.object as Stripe.Product).id).toBe(product.id);
      expect((await h.stripe.webhookEndpoints.retrieve(endpoint.id)).secret).toBeUndefined();
      await h.stripe.webhookEndpoints.del(endpoint.id);
      await other.close();
    } finally {
      await receiver.close();
    }
  });
});
