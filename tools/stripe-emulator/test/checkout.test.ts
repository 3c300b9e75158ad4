import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPlan, getPage, payCheckout, startHarness, type Harness } from "./harness";

let h: Harness;
let creditsPrice: Stripe.Price;
beforeAll(async () => {
  h = await startHarness();
  const product = await h.stripe.products.create({ name: "1,000 credits" });
  creditsPrice = await h.stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 1000, lookup_key: "credits_1000" });
});
afterAll(async () => {
  await h.close();
});

async function paymentSession(customer?: string) {
  return h.stripe.checkout.sessions.create({
    mode: "payment",
    line_items: [{ price: creditsPrice.id, quantity: 2 }],
    success_url: "https://app.test/billing/success?session_id={CHECKOUT_SESSION_ID}",
    cancel_url: "https://app.test/billing",
    client_reference_id: "acct_app_42",
    metadata: { accountId: "acct_app_42", kind: "topup" },
    customer,
    payment_intent_data: { setup_future_usage: "off_session", metadata: { accountId: "acct_app_42" } },
  });
}

describe("checkout in payment mode", () => {
  it("creates an open session with a hosted URL and totals", async () => {
    const session = await paymentSession();
    expect(session.id).toMatch(/^cs_test_/);
    expect(session).toMatchObject({ object: "checkout.session", mode: "payment", status: "open", payment_status: "unpaid", amount_total: 2000, currency: "usd", client_reference_id: "acct_app_42" });
    expect(session.url).toBe(`${h.emulator.url}/checkout/${session.id}`);
    const items = await h.stripe.checkout.sessions.listLineItems(session.id);
    expect(items.data).toHaveLength(1);
    expect(items.data[0]).toMatchObject({ object: "item", quantity: 2, amount_total: 2000, description: "1,000 credits" });
    expect(items.data[0]?.price?.id).toBe(creditsPrice.id);
  });

  it("shows line items, total and a labelled card form on the hosted page", async () => {
    const session = await paymentSession();
    const page = await getPage(session.url ?? "");
    expect(page.status).toBe(200);
    expect(page.html).toContain("Stripe sandbox (emulator)");
    expect(page.html).toContain('<label for="card-number">Card number</label>');
    expect(page.html).toContain('data-testid="card-number"');
    expect(page.html).toContain('data-testid="pay-button"');
    expect(page.html).toContain("1,000 credits");
    expect(page.html).toMatch(/data-testid="checkout-total">\$20\.00/);
    expect(page.html).toContain('href="https://app.test/billing"');
  });

  it("declined cards show an error, keep the session open and emit payment_intent.payment_failed on one PaymentIntent", async () => {
    const session = await paymentSession();
    const before = h.emulator.state();
    const customersBefore = Object.keys(before.customers).length;
    const declined = await payCheckout(session, { card: "4000 0000 0000 0002" });
    expect(declined.status).toBe(402);
    expect(declined.html).toContain('data-testid="checkout-error"');
    expect(declined.html).toContain("Your card was declined.");
    const insufficient = await payCheckout(session, { card: "4000000000009995" });
    expect(insufficient.html).toContain("Your card has insufficient funds.");
    const bogus = await payCheckout(session, { card: "1234 5678 9012 3456" });
    expect(bogus.html).toContain("Your card number is incorrect.");
    expect(Object.keys(h.emulator.state().customers).length).toBe(customersBefore);

    const open = await h.stripe.checkout.sessions.retrieve(session.id);
    expect(open).toMatchObject({ status: "open", payment_status: "unpaid" });
    const piId = open.payment_intent as string;
    expect(piId).toMatch(/^pi_/);
    const pi = await h.stripe.paymentIntents.retrieve(piId);
    expect(pi).toMatchObject({ status: "requires_payment_method", amount: 2000, metadata: { accountId: "acct_app_42" } });
    expect(pi.last_payment_error).toMatchObject({ code: "card_declined", decline_code: "insufficient_funds" });
    // Two declines (the bogus number never reaches a charge) on the same PaymentIntent.
    const failed = (await h.received("payment_intent.payment_failed")).filter((e) => (e.data.object as Stripe.PaymentIntent).id === piId);
    expect(failed.map((e) => (e.data.object as Stripe.PaymentIntent).last_payment_error?.decline_code)).toEqual(["generic_decline", "insufficient_funds"]);
    expect((await h.received("charge.failed")).filter((e) => (e.data.object as Stripe.Charge).payment_intent === piId)).toHaveLength(2);
    expect((await h.received("checkout.session.completed")).filter((e) => (e.data.object as Stripe.Checkout.Session).id === session.id)).toHaveLength(0);

    // The customer tries again with a good card: the same PaymentIntent succeeds.
    const paid = await payCheckout(session, { card: "4242424242424242" });
    expect(paid.status).toBe(303);
    const done = await h.stripe.checkout.sessions.retrieve(session.id);
    expect(done).toMatchObject({ status: "complete", payment_status: "paid", payment_intent: piId });
    expect(await h.stripe.paymentIntents.retrieve(piId)).toMatchObject({ status: "succeeded", amount_received: 2000, last_payment_error: null });
  });

  it("finds the session of a PaymentIntent with checkout.sessions.list({ payment_intent }): 1 of 2 sessions", async () => {
    const paidSession = await paymentSession();
    const otherSession = await paymentSession();
    await payCheckout(paidSession, { card: "4242424242424242" });
    await payCheckout(otherSession, { card: "4242424242424242" });
    const piId = (await h.stripe.checkout.sessions.retrieve(paidSession.id)).payment_intent as string;
    const found = await h.stripe.checkout.sessions.list({ payment_intent: piId, limit: 1 });
    expect(found.data.map((s) => s.id)).toEqual([paidSession.id]);
    expect(found.data[0]?.metadata).toEqual({ accountId: "acct_app_42", kind: "topup" });
    const none = await h.stripe.checkout.sessions.list({ payment_intent: "pi_unknown", limit: 1 });
    expect(none.data).toEqual([]);
  });

  it("a good card completes the session, saves the card and redirects with the session id", async () => {
    const session = await paymentSession();
    const paid = await payCheckout(session, { card: "4242 4242 4242 4242", email: "buyer@example.com" });
    expect(paid.status).toBe(303);
    expect(paid.location).toBe(`https://app.test/billing/success?session_id=${session.id}`);

    const done = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ["payment_intent", "line_items"] });
    expect(done).toMatchObject({ status: "complete", payment_status: "paid", url: null });
    const pi = done.payment_intent as Stripe.PaymentIntent;
    expect(pi).toMatchObject({ object: "payment_intent", status: "succeeded", amount: 2000, setup_future_usage: "off_session", metadata: { accountId: "acct_app_42" } });
    expect(done.line_items?.data[0]?.quantity).toBe(2);
    expect(typeof done.customer).toBe("string");
    const cards = await h.stripe.paymentMethods.list({ customer: done.customer as string, type: "card" });
    expect(cards.data).toHaveLength(1);
    expect(cards.data[0]?.id).toBe(pi.payment_method);

    const completed = (await h.received("checkout.session.completed")).find((e) => (e.data.object as Stripe.Checkout.Session).id === session.id);
    expect(completed?.data.object).toMatchObject({ metadata: { accountId: "acct_app_42", kind: "topup" }, payment_status: "paid", client_reference_id: "acct_app_42" });
    const succeeded = (await h.received("payment_intent.succeeded")).find((e) => (e.data.object as Stripe.PaymentIntent).id === pi.id);
    expect(succeeded).toBeDefined();

    const again = await payCheckout(session, { card: "4242424242424242" });
    expect(again.html).toContain("already complete");
  });

  it("refuses recurring prices in payment mode and quantities on metered prices", async () => {
    const plan = await createPlan(h.stripe, "_co1");
    await expect(h.stripe.checkout.sessions.create({ mode: "payment", line_items: [{ price: plan.flat.id, quantity: 1 }], success_url: "https://app.test/ok" })).rejects.toMatchObject({ statusCode: 400 });
    await expect(
      h.stripe.checkout.sessions.create({ mode: "subscription", line_items: [{ price: plan.flat.id, quantity: 1 }, { price: plan.metered.id, quantity: 1 }], success_url: "https://app.test/ok" }),
    ).rejects.toMatchObject({ param: "line_items[1][quantity]" });
  });

  it("settles a delayed bank debit later with async_payment_succeeded / _failed", async () => {
    const good = await paymentSession();
    const bad = await paymentSession();
    expect((await payCheckout(good, { iban: "AT32 1904 3002 3547 3204" })).status).toBe(303);
    expect((await payCheckout(bad, { iban: "AT861904300235473202" })).status).toBe(303);
    await h.emulator.flushWebhooks();
    const succeeded = (await h.received("checkout.session.async_payment_succeeded")).map((e) => (e.data.object as Stripe.Checkout.Session).id);
    const failed = (await h.received("checkout.session.async_payment_failed")).map((e) => (e.data.object as Stripe.Checkout.Session).id);
    expect(succeeded).toContain(good.id);
    expect(failed).toContain(bad.id);
    expect((await h.stripe.checkout.sessions.retrieve(good.id)).payment_status).toBe("paid");
    expect((await h.stripe.checkout.sessions.retrieve(bad.id)).payment_status).toBe("unpaid");
    const completedUnpaid = (await h.received("checkout.session.completed")).find((e) => (e.data.object as Stripe.Checkout.Session).id === bad.id);
    expect((completedUnpaid?.data.object as Stripe.Checkout.Session).payment_status).toBe("unpaid");
  });

  it("expires sessions on request", async () => {
    const session = await paymentSession();
    const expired = await h.stripe.checkout.sessions.expire(session.id);
    expect(expired.status).toBe("expired");
    await expect(h.stripe.checkout.sessions.expire(session.id)).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe("checkout in subscription mode", () => {
  it("a declined card in subscription mode creates no subscription, PaymentIntent or event", async () => {
    const plan = await createPlan(h.stripe, "_decl");
    const customer = await h.stripe.customers.create({ email: "declined-sub@example.com" });
    const session = await h.stripe.checkout.sessions.create({ mode: "subscription", customer: customer.id, line_items: [{ price: plan.flat.id, quantity: 1 }], success_url: "https://app.test/ok" });
    const eventsBefore = Object.keys(h.emulator.state().events).length;
    const declined = await payCheckout(session, { card: "4000000000000002" });
    expect(declined.status).toBe(402);
    expect(Object.keys(h.emulator.state().events).length).toBe(eventsBefore);
    expect(await h.stripe.checkout.sessions.retrieve(session.id)).toMatchObject({ status: "open", payment_intent: null, subscription: null });
    expect((await h.stripe.subscriptions.list({ customer: customer.id, status: "all" })).data).toEqual([]);
  });

  it("starts an active subscription with the flat and metered prices and a paid first invoice", async () => {
    const plan = await createPlan(h.stripe, "_co2");
    const customer = await h.stripe.customers.create({ email: "sub@example.com", metadata: { accountId: "acct_sub" } });
    const session = await h.stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: plan.flat.id, quantity: 1 }, { price: plan.metered.id }],
      subscription_data: { metadata: { accountId: "acct_sub", plan: "pro" } },
      success_url: "https://app.test/welcome?cs={CHECKOUT_SESSION_ID}",
      cancel_url: "https://app.test/pricing",
    });
    expect(session.amount_total).toBe(2000);
    const page = await getPage(session.url ?? "");
    expect(page.html).toContain("$0.005 per unit, billed each month by usage");
    const paid = await payCheckout(session, { card: "4242424242424242" });
    expect(paid.location).toBe(`https://app.test/welcome?cs=${session.id}`);

    const done = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ["subscription"] });
    const sub = done.subscription as Stripe.Subscription;
    expect(sub).toMatchObject({ object: "subscription", status: "active", customer: customer.id, metadata: { accountId: "acct_sub", plan: "pro" }, cancel_at_period_end: false });
    expect(sub.items.data.map((i) => i.price.id).sort()).toEqual([plan.flat.id, plan.metered.id].sort());
    const flatItem = sub.items.data.find((i) => i.price.id === plan.flat.id);
    const meteredItem = sub.items.data.find((i) => i.price.id === plan.metered.id);
    expect(flatItem?.quantity).toBe(1);
    expect(meteredItem?.quantity).toBeUndefined();
    expect(flatItem!.current_period_end - flatItem!.current_period_start).toBeGreaterThanOrEqual(28 * 86_400);
    expect(typeof sub.default_payment_method).toBe("string");

    const invoice = await h.stripe.invoices.retrieve(sub.latest_invoice as string);
    expect(invoice).toMatchObject({ status: "paid", billing_reason: "subscription_create", amount_paid: 2000, total: 2000 });
    expect(invoice.parent?.subscription_details?.subscription).toBe(sub.id);
    expect(invoice.parent?.subscription_details?.metadata).toEqual({ accountId: "acct_sub", plan: "pro" });
    const flatLine = invoice.lines.data.find((l) => l.pricing?.price_details?.price === plan.flat.id);
    expect(flatLine?.amount).toBe(2000);
    expect(flatLine?.parent?.subscription_item_details?.subscription_item).toBe(flatItem?.id);

    const types = (await h.received()).filter((e) => {
      const o = e.data.object as { customer?: string; id?: string };
      return o.customer === customer.id || o.id === customer.id;
    }).map((e) => e.type);
    for (const t of ["customer.subscription.created", "invoice.created", "invoice.finalized", "invoice.paid", "payment_intent.succeeded", "customer.subscription.updated", "checkout.session.completed"]) {
      expect(types).toContain(t);
    }
    expect(types.indexOf("invoice.created")).toBeLessThan(types.indexOf("invoice.finalized"));
    expect(types.indexOf("invoice.finalized")).toBeLessThan(types.indexOf("invoice.paid"));
  });
});

describe("inline prices", () => {
  it("accepts price_data with product_data and keeps the inline price out of prices.list", async () => {
    const session = await h.stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price_data: { currency: "usd", unit_amount: 1234, product_data: { name: "Custom top-up" } }, quantity: 1 }],
      success_url: "https://app.test/ok",
    });
    expect(session.amount_total).toBe(1234);
    const [item] = (await h.stripe.checkout.sessions.listLineItems(session.id)).data;
    expect(item?.description).toBe("Custom top-up");
    const listed = await h.stripe.prices.list({ limit: 100 });
    expect(listed.data.some((p) => p.id === item?.price?.id)).toBe(false);
    expect((await h.stripe.prices.retrieve(item!.price!.id)).unit_amount).toBe(1234);
  });
});

describe("background work across a rolled-back request", () => {
  it("still settles a pending bank debit after a failed request replaced the state", async () => {
    const local = await startHarness({ asyncPaymentDelayMs: 300 });
    try {
      const product = await local.stripe.products.create({ name: "Pack" });
      const price = await local.stripe.prices.create({ product: product.id, currency: "eur", unit_amount: 500 });
      const session = await local.stripe.checkout.sessions.create({ mode: "payment", line_items: [{ price: price.id, quantity: 1 }], success_url: "https://app.test/ok" });
      await payCheckout(session, { iban: "AT321904300235473204" });
      await expect(local.stripe.refunds.create({ payment_intent: "pi_missing" })).rejects.toMatchObject({ statusCode: 404 });
      const settled = await local.received("checkout.session.async_payment_succeeded");
      expect(settled.map((e) => (e.data.object as Stripe.Checkout.Session).id)).toEqual([session.id]);
    } finally {
      await local.close();
    }
  });
});

describe("checkout for an existing customer", () => {
  it("saves the card on that customer for later off-session top-ups", async () => {
    const customer = await h.stripe.customers.create({ email: "known@example.com", metadata: { accountId: "acct_known" } });
    const session = await paymentSession(customer.id);
    expect(session.customer).toBe(customer.id);
    expect((await payCheckout(session, { card: "5555555555554444" })).status).toBe(303);
    const cards = await h.stripe.paymentMethods.list({ customer: customer.id, type: "card" });
    expect(cards.data.map((c) => c.card?.brand)).toEqual(["mastercard"]);
    const topUp = await h.stripe.paymentIntents.create({ customer: customer.id, amount: 900, currency: "usd", payment_method: cards.data[0]!.id, off_session: true, confirm: true });
    expect(topUp.status).toBe("succeeded");
  });
});
