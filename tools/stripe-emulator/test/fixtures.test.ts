import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPlan, payCheckout, startHarness, type Harness } from "./harness";
import { loadFixtures, shapeProblems, type Json, type ShapeOptions } from "./shapes";

/**
 * Every object kind the emulator produces, read back as raw JSON (not through
 * the SDK, which turns decimal strings into objects), compared key by key and
 * type by type with Stripe's own example of that object.
 */
let h: Harness;
const samples = new Map<string, Json>();
const fixtures = loadFixtures();

/** Keys the SDK types require (or the app reads) that Stripe's example omits. */
const ALLOWED_EXTRA: Record<string, ShapeOptions> = {
  // Required (non-optional) in the stripe@23 types, absent from the example:
  product: { allowedExtra: ["tax_details"] },
  "checkout.session": { allowedExtra: ["allowed_payment_method_types"] },
  payment_intent: { allowedExtra: ["allowed_payment_method_types", "payment_record"] },
  charge: { allowedExtra: ["payment_method_details.card.electronic_commerce_indicator"] },
  subscription_item: { allowedExtra: ["current_trial"] },
  subscription: { allowedExtra: ["cancellation_details.feedback_option", "items.data[].current_trial", "trial_settings.end_behavior.billing_cycle_anchor"] },
  // Optional in the types but what the app reads to know which price a line bills:
  line_item: { allowedExtra: ["pricing.price_details"] },
  invoice_payment: { allowedExtra: ["payment.payment_intent"] },
  invoice: { allowedExtra: ["lines.data[].pricing.price_details"] },
  // Event payloads vary by type; `previous_attributes` comes with `*.updated` events.
  event: { skip: ["data.object"], allowedExtra: ["data.previous_attributes"] },
};

async function raw(method: "GET" | "POST" | "DELETE", path: string, body?: Record<string, string>): Promise<Json> {
  const res = await fetch(`${h.emulator.url}${path}`, {
    method,
    headers: { Authorization: "Bearer sk_test_shapes", "Content-Type": "application/x-www-form-urlencoded" },
    body: body ? new URLSearchParams(body) : undefined,
  });
  const json = (await res.json()) as Json;
  if (res.status !== 200) throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

function field(value: Json, ...path: Array<string | number>): Json {
  let node: Json = value;
  for (const key of path) node = (node as Record<string, Json>)[key] as Json;
  return node;
}

beforeAll(async () => {
  h = await startHarness();
  const s = h.stripe;
  const plan = await createPlan(s, "_shape");
  const clock = await s.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) - 86_400 });
  const customer = await s.customers.create({ email: "shape@example.com", test_clock: clock.id, metadata: { accountId: "acct_shape" } });
  const session = await s.checkout.sessions.create({
    mode: "subscription",
    customer: customer.id,
    line_items: [{ price: plan.flat.id, quantity: 1 }, { price: plan.metered.id }],
    success_url: "https://app.test/ok",
  });
  samples.set("checkout.session", await raw("GET", `/v1/checkout/sessions/${session.id}`));
  samples.set("item", field(await raw("GET", `/v1/checkout/sessions/${session.id}/line_items`), "data", 0));
  await payCheckout(session, { card: "4242424242424242" });
  const completed = await s.checkout.sessions.retrieve(session.id);
  const sub = await raw("GET", `/v1/subscriptions/${completed.subscription as string}`);
  samples.set("subscription", sub);
  samples.set("subscription_item", field(sub, "items", "data", 0));
  samples.set("plan", field(sub, "items", "data", 0, "plan"));
  const invoice = await raw("GET", `/v1/invoices/${String(field(sub, "latest_invoice"))}`);
  samples.set("invoice", invoice);
  samples.set("line_item", field(invoice, "lines", "data", 0));
  samples.set("invoice_payment", field(await raw("GET", `/v1/invoice_payments?invoice=${String(field(invoice, "id"))}`), "data", 0));

  samples.set("customer", await raw("GET", `/v1/customers/${customer.id}`));
  samples.set("product", await raw("GET", `/v1/products/${plan.product.id}`));
  samples.set("price", await raw("GET", `/v1/prices/${plan.metered.id}`));
  samples.set("billing.meter", await raw("GET", `/v1/billing/meters/${plan.meter.id}`));
  const frozen = clock.frozen_time;
  samples.set(
    "billing.meter_event",
    await raw("POST", "/v1/billing/meter_events", { event_name: plan.meter.event_name, "payload[stripe_customer_id]": customer.id, "payload[value]": "12", timestamp: String(frozen - 10) }),
  );
  const start = frozen - (frozen % 60) - 3600;
  samples.set("billing.meter_event_summary", field(await raw("GET", `/v1/billing/meters/${plan.meter.id}/event_summaries?customer=${customer.id}&start_time=${start}&end_time=${start + 7200}`), "data", 0));

  const buyer = await s.customers.create({ email: "pi@example.com" });
  const pm = await s.paymentMethods.attach("pm_card_visa", { customer: buyer.id });
  samples.set("payment_method", await raw("GET", `/v1/payment_methods/${pm.id}`));
  const pi = await s.paymentIntents.create({ customer: buyer.id, amount: 2500, currency: "usd", payment_method: pm.id, off_session: true, confirm: true });
  samples.set("payment_intent", await raw("GET", `/v1/payment_intents/${pi.id}`));
  samples.set("refund", await raw("POST", "/v1/refunds", { payment_intent: pi.id, amount: "500" }));
  samples.set("charge", await raw("GET", `/v1/charges/${pi.latest_charge as string}`));
  samples.set("customer_balance_transaction", await raw("POST", `/v1/customers/${buyer.id}/balance_transactions`, { amount: "-300", currency: "usd" }));
  samples.set("billing_portal.session", await raw("POST", "/v1/billing_portal/sessions", { customer: buyer.id, return_url: "https://app.test/billing" }));
  samples.set("test_helpers.test_clock", await raw("GET", `/v1/test_helpers/test_clocks/${clock.id}`));
  samples.set("credit_note", await raw("POST", "/v1/credit_notes", { invoice: String(field(invoice, "id")), amount: "100", credit_amount: "100" }));
  const lineId = String(field(invoice, "lines", "data", 0, "id"));
  samples.set("credit_note_line_item", field(await raw("POST", "/v1/credit_notes", { invoice: String(field(invoice, "id")), "lines[0][type]": "invoice_line_item", "lines[0][invoice_line_item]": lineId, "lines[0][amount]": "50" }), "lines", "data", 0));
  const endpoint = await raw("POST", "/v1/webhook_endpoints", { url: "https://app.test/hook", "enabled_events[0]": "*" });
  samples.set("webhook_endpoint", await raw("GET", `/v1/webhook_endpoints/${String(field(endpoint, "id"))}`));
  const doomed = await s.customers.create({});
  samples.set("deleted_customer", await raw("DELETE", `/v1/customers/${doomed.id}`));
  const doomedProduct = await s.products.create({ name: "Doomed" });
  samples.set("deleted_product", await raw("DELETE", `/v1/products/${doomedProduct.id}`));
  samples.set("deleted_webhook_endpoint", await raw("DELETE", `/v1/webhook_endpoints/${String(field(endpoint, "id"))}`));
  const doomedClock = await s.testHelpers.testClocks.create({ frozen_time: 1_800_000_000 });
  samples.set("deleted_test_helpers.test_clock", await raw("DELETE", `/v1/test_helpers/test_clocks/${doomedClock.id}`));
  const updated = await s.events.list({ type: "customer.subscription.updated", limit: 1 });
  samples.set("event", await raw("GET", `/v1/events/${updated.data[0]?.id ?? ""}`));
});

afterAll(async () => {
  await h.close();
});

const KINDS = [
  "customer",
  "product",
  "price",
  "plan",
  "billing.meter",
  "billing.meter_event",
  "billing.meter_event_summary",
  "checkout.session",
  "item",
  "payment_intent",
  "payment_method",
  "charge",
  "refund",
  "subscription",
  "subscription_item",
  "invoice",
  "line_item",
  "invoice_payment",
  "billing_portal.session",
  "event",
  "test_helpers.test_clock",
  "customer_balance_transaction",
  "credit_note",
  "credit_note_line_item",
  "webhook_endpoint",
  "deleted_customer",
  "deleted_product",
  "deleted_webhook_endpoint",
  "deleted_test_helpers.test_clock",
];

describe("object shapes match Stripe's fixtures", () => {
  it.each(KINDS)("%s", (kind) => {
    const sample = samples.get(kind);
    const fixture = fixtures[kind];
    expect(sample, `no sample produced for ${kind}`).toBeDefined();
    expect(fixture, `no fixture for ${kind}`).toBeDefined();
    expect((sample as Record<string, Json>).object).toBe((fixture as Record<string, Json>).object);
    const problems = shapeProblems(sample as Json, fixture as Json, ALLOWED_EXTRA[kind] ?? {});
    expect(problems, `${kind}: ${problems.join("; ")}`).toEqual([]);
  });

  it("the comparison itself catches a missing field, a wrong type and an unexpected field", () => {
    const fixture = fixtures.customer as Record<string, Json>;
    const { email: _email, ...withoutEmail } = samples.get("customer") as Record<string, Json>;
    void _email;
    expect(shapeProblems(withoutEmail, fixture)).toContain("email: missing");
    expect(shapeProblems({ ...(samples.get("customer") as Record<string, Json>), balance: "0" }, fixture)).toContain("balance: expected number, got string");
    expect(shapeProblems({ ...(samples.get("customer") as Record<string, Json>), surprise: 1 }, fixture)).toContain("surprise: not in the fixture");
  });
});

describe("SDK-level sanity", () => {
  it("objects deserialize through the SDK with the fields the app reads", async () => {
    const sub = samples.get("subscription") as unknown as Stripe.Subscription;
    expect(typeof sub.items.data[0]?.current_period_end).toBe("number");
    const invoice = samples.get("invoice") as unknown as Stripe.Invoice;
    expect(invoice.parent?.subscription_details?.subscription).toBe(sub.id);
    expect(invoice.lines.data[0]?.pricing?.price_details?.price).toMatch(/^price_/);
  });
});
