import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

describe("customers", () => {
  it("creates, retrieves and updates a customer with the app's account id in metadata", async () => {
    const created = await h.stripe.customers.create({ email: "ada@example.com", name: "Ada", metadata: { accountId: "acct_app_1" } });
    expect(created.id).toMatch(/^cus_/);
    expect(created.object).toBe("customer");
    expect(created.metadata).toEqual({ accountId: "acct_app_1" });
    const updated = await h.stripe.customers.update(created.id, { metadata: { plan: "pro", accountId: "" }, name: "Ada L." });
    expect(updated.metadata).toEqual({ plan: "pro" });
    expect(updated.name).toBe("Ada L.");
    const fetched = (await h.stripe.customers.retrieve(created.id)) as Stripe.Customer;
    expect(fetched.email).toBe("ada@example.com");
    const events = await h.received("customer.updated");
    const event = events.find((e) => (e.data.object as Stripe.Customer).id === created.id);
    expect(event?.data.previous_attributes).toMatchObject({ metadata: { accountId: "acct_app_1" }, name: "Ada" });
  });

  it("paginates lists newest first with starting_after and ending_before", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await h.stripe.customers.create({ email: `page${i}@example.com` })).id);
    const first = await h.stripe.customers.list({ limit: 2 });
    expect(first.object).toBe("list");
    expect(first.has_more).toBe(true);
    expect(first.url).toBe("/v1/customers");
    expect(first.data.map((c) => c.id)).toEqual([ids[4], ids[3]]);
    const second = await h.stripe.customers.list({ limit: 2, starting_after: ids[3] });
    expect(second.data.map((c) => c.id)).toEqual([ids[2], ids[1]]);
    const back = await h.stripe.customers.list({ limit: 2, ending_before: ids[2] });
    expect(back.data.map((c) => c.id)).toEqual([ids[4], ids[3]]);
    const all: string[] = [];
    for await (const c of h.stripe.customers.list({ limit: 3 })) all.push(c.id);
    for (const id of ids) expect(all).toContain(id);
    const byEmail = await h.stripe.customers.list({ email: "page2@example.com" });
    expect(byEmail.data.map((c) => c.id)).toEqual([ids[2]]);
  });

  it("searches customers by metadata", async () => {
    const c = await h.stripe.customers.create({ metadata: { accountId: "acct_search_me" } });
    const result = await h.stripe.customers.search({ query: "metadata['accountId']:'acct_search_me'" });
    expect(result.object).toBe("search_result");
    expect(result.data.map((x) => x.id)).toEqual([c.id]);
  });

  it("sets the default payment method only to one attached to the customer", async () => {
    const c = await h.stripe.customers.create({ email: "pm@example.com" });
    const pm = await h.stripe.paymentMethods.attach("pm_card_visa", { customer: c.id });
    const updated = await h.stripe.customers.update(c.id, { invoice_settings: { default_payment_method: pm.id } });
    expect(updated.invoice_settings.default_payment_method).toBe(pm.id);
    const other = await h.stripe.paymentMethods.create({ type: "card", card: { token: "tok_visa" } });
    await expect(h.stripe.customers.update(c.id, { invoice_settings: { default_payment_method: other.id } })).rejects.toMatchObject({
      type: "StripeInvalidRequestError",
      param: "invoice_settings[default_payment_method]",
    });
    const listed = await h.stripe.paymentMethods.list({ customer: c.id, type: "card" });
    expect(listed.data.map((p) => p.id)).toEqual([pm.id]);
    expect(listed.data[0]?.card?.last4).toBe("4242");
  });
});

describe("products and prices", () => {
  it("creates, updates, lists and searches products", async () => {
    const p = await h.stripe.products.create({ name: "Starter", metadata: { tier: "starter" } });
    expect(p.id).toMatch(/^prod_/);
    const updated = await h.stripe.products.update(p.id, { description: "Entry plan", active: true });
    expect(updated.description).toBe("Entry plan");
    const listed = await h.stripe.products.list({ active: true, limit: 100 });
    expect(listed.data.some((x) => x.id === p.id)).toBe(true);
    const search = await h.stripe.products.search({ query: "active:'true' AND metadata['tier']:'starter'" });
    expect(search.data.map((x) => x.id)).toEqual([p.id]);
  });

  it("creates one-time, recurring and metered prices and finds them by lookup key", async () => {
    const product = await h.stripe.products.create({ name: "Credits" });
    const meter = await h.stripe.billing.meters.create({ display_name: "Tokens", event_name: "catalog_tokens", default_aggregation: { formula: "sum" } });
    const oneTime = await h.stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 1000, lookup_key: "credits_10" });
    expect(oneTime.type).toBe("one_time");
    expect(oneTime.recurring).toBeNull();
    const monthly = await h.stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 900, recurring: { interval: "month" }, lookup_key: "basic_monthly" });
    expect(monthly.recurring).toMatchObject({ interval: "month", interval_count: 1, usage_type: "licensed", meter: null });
    const metered = await h.stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount_decimal: Stripe.Decimal.from("0.25"),
      recurring: { interval: "month", usage_type: "metered", meter: meter.id },
    });
    expect(metered.recurring).toMatchObject({ usage_type: "metered", meter: meter.id });
    expect(metered.unit_amount).toBeNull();
    expect(String(metered.unit_amount_decimal)).toBe("0.25");

    const found = await h.stripe.prices.list({ lookup_keys: ["credits_10", "basic_monthly"], expand: ["data.product"] });
    expect(found.data.map((x) => x.id).sort()).toEqual([oneTime.id, monthly.id].sort());
    expect((found.data[0]?.product as Stripe.Product).name).toBe("Credits");
  });

  it("keeps lookup keys unique unless transfer_lookup_key is set", async () => {
    const product = await h.stripe.products.create({ name: "Team" });
    const v1 = await h.stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 5000, recurring: { interval: "month" }, lookup_key: "team_monthly" });
    await expect(h.stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 6000, recurring: { interval: "month" }, lookup_key: "team_monthly" })).rejects.toMatchObject({
      type: "StripeInvalidRequestError",
      param: "lookup_key",
    });
    const v2 = await h.stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 6000, recurring: { interval: "month" }, lookup_key: "team_monthly", transfer_lookup_key: true });
    expect((await h.stripe.prices.retrieve(v1.id)).lookup_key).toBeNull();
    const archived = await h.stripe.prices.update(v1.id, { active: false });
    expect(archived.active).toBe(false);
    const found = await h.stripe.prices.list({ lookup_keys: ["team_monthly"] });
    expect(found.data.map((p) => p.id)).toEqual([v2.id]);
  });

  it("requires a meter for metered prices", async () => {
    const product = await h.stripe.products.create({ name: "Legacy metered" });
    await expect(h.stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 1, recurring: { interval: "month", usage_type: "metered" } })).rejects.toMatchObject({
      param: "recurring[meter]",
    });
  });
});

describe("errors", () => {
  it("answers 401 in Stripe's shape without a key or with a live/garbage key", async () => {
    const noKey = await fetch(`${h.emulator.url}/v1/customers`);
    expect(noKey.status).toBe(401);
    const body = (await noKey.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toMatch(/did not provide an API key/);
    const live = new Stripe("sk_live_abcdefghijklmnop", { ...h.emulator.stripeConfig, maxNetworkRetries: 0 });
    await expect(live.customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });

  it("answers 404 resource_missing for unknown ids", async () => {
    const err = await h.stripe.customers.retrieve("cus_doesnotexist").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 404, code: "resource_missing", param: "id" });
    await expect(h.stripe.subscriptions.retrieve("sub_nope")).rejects.toMatchObject({ statusCode: 404, code: "resource_missing" });
    await expect(h.stripe.invoices.retrieve("in_nope")).rejects.toMatchObject({ statusCode: 404, code: "resource_missing" });
  });

  it("answers 400 parameter_missing / parameter_invalid_integer for bad params", async () => {
    const product = await h.stripe.products.create({ name: "Bad params" });
    await expect(h.stripe.prices.create({ product: product.id, unit_amount: 100 } as Stripe.PriceCreateParams)).rejects.toMatchObject({
      statusCode: 400,
      code: "parameter_missing",
      param: "currency",
    });
    const raw = await fetch(`${h.emulator.url}/v1/prices`, {
      method: "POST",
      headers: { Authorization: "Bearer sk_test_x", "Content-Type": "application/x-www-form-urlencoded" },
      body: `product=${product.id}&currency=usd&unit_amount=ten`,
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { error: { code: string } }).error.code).toBe("parameter_invalid_integer");
    await expect(h.stripe.checkout.sessions.create({ mode: "payment", success_url: "https://app.test/ok" })).rejects.toMatchObject({ code: "parameter_missing", param: "line_items" });
  });

  it("answers 404 for endpoints it does not implement", async () => {
    const res = await fetch(`${h.emulator.url}/v1/issuing/cards`, { headers: { Authorization: "Bearer sk_test_x" } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/Unrecognized request URL/);
  });
});

describe("idempotency", () => {
  it("returns the same response for the same key and refuses a key reused with other params", async () => {
    const key = `idem-${Date.now()}`;
    const a = await h.stripe.customers.create({ email: "idem@example.com" }, { idempotencyKey: key });
    const b = await h.stripe.customers.create({ email: "idem@example.com" }, { idempotencyKey: key });
    expect(b.id).toBe(a.id);
    expect(b.lastResponse.headers["idempotent-replayed"]).toBe("true");
    const matching = await h.stripe.customers.list({ email: "idem@example.com" });
    expect(matching.data).toHaveLength(1);
    const err = await h.stripe.customers.create({ email: "other@example.com" }, { idempotencyKey: key }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(err).toMatchObject({ statusCode: 400, type: "StripeIdempotencyError" });
  });

  it("replays a card decline for the same key instead of charging twice", async () => {
    const customer = await h.stripe.customers.create({});
    const key = `idem-decline-${Date.now()}`;
    const params = { amount: 500, currency: "usd", customer: customer.id, payment_method: "pm_card_chargeDeclined", confirm: true };
    const first = await h.stripe.paymentIntents.create(params, { idempotencyKey: key }).catch((e: unknown) => e);
    const second = await h.stripe.paymentIntents.create(params, { idempotencyKey: key }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect((second as Stripe.errors.StripeCardError).payment_intent?.id).toBe((first as Stripe.errors.StripeCardError).payment_intent?.id);
    const intents = await h.stripe.paymentIntents.list({ customer: customer.id });
    expect(intents.data).toHaveLength(1);
  });
});

describe("atomic requests", () => {
  it("a request that fails validation halfway changes nothing and emits nothing", async () => {
    const product = await h.stripe.products.create({ name: "Atomic" });
    const price = await h.stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 100, recurring: { interval: "month" } });
    const customer = await h.stripe.customers.create({});
    const pm = await h.stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
    const sub = await h.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: pm.id });
    const other = await h.stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 200, recurring: { interval: "month" } });
    const eventsBefore = Object.keys(h.emulator.state().events).length;
    // The first item is swapped before the second (unknown) one is seen; the whole update must roll back.
    await expect(
      h.stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0]!.id, price: other.id }, { id: "si_missing", price: price.id }], proration_behavior: "none" }),
    ).rejects.toMatchObject({ statusCode: 400 });
    const after = await h.stripe.subscriptions.retrieve(sub.id);
    expect(after.items.data.map((i) => i.price.id)).toEqual([price.id]);
    expect(Object.keys(h.emulator.state().events).length).toBe(eventsBefore);
  });
});

describe("unknown parameters", () => {
  it("answers 400 parameter_unknown like Stripe instead of ignoring them", async () => {
    const err = await h.stripe.customers.create({ emali: "typo@example.com" } as Stripe.CustomerCreateParams).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 400, code: "parameter_unknown", param: "emali" });
    await expect(h.stripe.subscriptions.list({ colour: "red" } as Stripe.SubscriptionListParams)).rejects.toMatchObject({ code: "parameter_unknown" });
    // Real Stripe parameters without an effect in the sandbox are accepted.
    const customer = await h.stripe.customers.create({ preferred_locales: ["en"], tax_exempt: "none" });
    expect(customer.id).toMatch(/^cus_/);
  });
});

describe("price updates and test clock retrieval", () => {
  it("moves a lookup key with prices.update + transfer_lookup_key", async () => {
    const product = await h.stripe.products.create({ name: "Moving key" });
    const oldPrice = await h.stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 100, lookup_key: "moving_key" });
    const newPrice = await h.stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 200 });
    await expect(h.stripe.prices.update(newPrice.id, { lookup_key: "moving_key" })).rejects.toMatchObject({ param: "lookup_key" });
    const moved = await h.stripe.prices.update(newPrice.id, { lookup_key: "moving_key", transfer_lookup_key: true, metadata: { v: "2" } });
    expect(moved).toMatchObject({ lookup_key: "moving_key", metadata: { v: "2" } });
    expect((await h.stripe.prices.retrieve(oldPrice.id)).lookup_key).toBeNull();
  });

  it("creates and retrieves test clocks and refuses to go back in time", async () => {
    const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: 1_800_000_000, name: "catalog" });
    expect(clock).toMatchObject({ object: "test_helpers.test_clock", frozen_time: 1_800_000_000, name: "catalog", status: "ready" });
    const advanced = await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: 1_800_003_600 });
    expect(advanced.frozen_time).toBe(1_800_003_600);
    expect((await h.stripe.testHelpers.testClocks.retrieve(clock.id)).frozen_time).toBe(1_800_003_600);
    await expect(h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: 1_700_000_000 })).rejects.toMatchObject({ param: "frozen_time" });
  });
});
