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

async function customerWithCard(card = "pm_card_visa") {
  const customer = await h.stripe.customers.create({ email: "topup@example.com" });
  const pm = await h.stripe.paymentMethods.attach(card, { customer: customer.id });
  await h.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  return { customer, pm };
}

describe("off-session top-ups", () => {
  it("charges the saved card off session", async () => {
    const { customer, pm } = await customerWithCard();
    const pi = await h.stripe.paymentIntents.create({
      customer: customer.id,
      amount: 1500,
      currency: "usd",
      payment_method: pm.id,
      off_session: true,
      confirm: true,
      metadata: { accountId: "acct_topup", credits: "1500" },
    });
    expect(pi).toMatchObject({ status: "succeeded", amount_received: 1500, customer: customer.id, metadata: { accountId: "acct_topup" } });
    expect(pi.id).toMatch(/^pi_/);
    const charge = await h.stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({ paid: true, status: "succeeded", amount: 1500, payment_intent: pi.id });
    const events = await h.received("payment_intent.succeeded");
    expect(events.some((e) => (e.data.object as Stripe.PaymentIntent).id === pi.id)).toBe(true);
  });

  it("a declined saved card raises StripeCardError with card_declined and the decline code", async () => {
    const { customer, pm } = await customerWithCard("pm_card_chargeCustomerFail");
    const err = await h.stripe.paymentIntents
      .create({ customer: customer.id, amount: 1500, currency: "usd", payment_method: pm.id, off_session: true, confirm: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    const cardError = err as Stripe.errors.StripeCardError;
    expect(cardError.statusCode).toBe(402);
    expect(cardError.code).toBe("card_declined");
    expect(cardError.decline_code).toBe("generic_decline");
    expect(cardError.payment_intent?.status).toBe("requires_payment_method");
    expect(cardError.payment_intent?.last_payment_error?.decline_code).toBe("generic_decline");
    const failed = await h.received("payment_intent.payment_failed");
    expect(failed.some((e) => (e.data.object as Stripe.PaymentIntent).id === cardError.payment_intent?.id)).toBe(true);
  });

  it("supports Stripe's magic test payment methods, insufficient funds included", async () => {
    const customer = await h.stripe.customers.create({});
    const ok = await h.stripe.paymentIntents.create({ customer: customer.id, amount: 700, currency: "usd", payment_method: "pm_card_visa", confirm: true });
    expect(ok.status).toBe("succeeded");
    expect(ok.payment_method).toMatch(/^pm_(?!card_)/);
    const err = (await h.stripe.paymentIntents
      .create({ customer: customer.id, amount: 700, currency: "usd", payment_method: "pm_card_chargeDeclinedInsufficientFunds", confirm: true })
      .catch((e: unknown) => e)) as Stripe.errors.StripeCardError;
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err.code).toBe("card_declined");
    expect(err.decline_code).toBe("insufficient_funds");
    await expect(h.stripe.paymentMethods.attach("pm_card_chargeDeclined", { customer: customer.id })).rejects.toBeInstanceOf(Stripe.errors.StripeCardError);
  });

  it("validates amounts and missing payment methods", async () => {
    await expect(h.stripe.paymentIntents.create({ amount: 10, currency: "usd" })).rejects.toMatchObject({ param: "amount" });
    await expect(h.stripe.paymentIntents.create({ amount: 1000, currency: "usd", confirm: true })).rejects.toMatchObject({ code: "payment_intent_unexpected_state" });
    const pending = await h.stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    expect(pending.status).toBe("requires_payment_method");
    const confirmed = await h.stripe.paymentIntents.confirm(pending.id, { payment_method: "pm_card_visa" });
    expect(confirmed.status).toBe("succeeded");
  });
});

describe("refunds", () => {
  it("refunds part, then the rest, and refuses more", async () => {
    const { customer, pm } = await customerWithCard();
    const pi = await h.stripe.paymentIntents.create({ customer: customer.id, amount: 3000, currency: "usd", payment_method: pm.id, off_session: true, confirm: true });
    const partial = await h.stripe.refunds.create({ payment_intent: pi.id, amount: 1000 });
    expect(partial).toMatchObject({ object: "refund", status: "succeeded", amount: 1000, payment_intent: pi.id, charge: pi.latest_charge });
    expect((await h.stripe.charges.retrieve(pi.latest_charge as string)).amount_refunded).toBe(1000);
    await expect(h.stripe.refunds.create({ payment_intent: pi.id, amount: 5000 })).rejects.toMatchObject({ code: "amount_too_large" });
    const rest = await h.stripe.refunds.create({ payment_intent: pi.id });
    expect(rest.amount).toBe(2000);
    const charge = await h.stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({ refunded: true, amount_refunded: 3000 });
    await expect(h.stripe.refunds.create({ payment_intent: pi.id })).rejects.toMatchObject({ code: "charge_already_refunded" });
    const refundedEvents = (await h.received("charge.refunded")).filter((e) => (e.data.object as Stripe.Charge).id === charge.id);
    expect(refundedEvents.map((e) => (e.data.object as Stripe.Charge).amount_refunded)).toEqual([1000, 3000]);
  });
});

describe("customer balance, portal, events", () => {
  it("records balance transactions", async () => {
    const customer = await h.stripe.customers.create({});
    const txn = await h.stripe.customers.createBalanceTransaction(customer.id, { amount: -500, currency: "usd", description: "Goodwill credit" });
    expect(txn).toMatchObject({ object: "customer_balance_transaction", amount: -500, ending_balance: -500, type: "adjustment" });
    expect(((await h.stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance).toBe(-500);
    const list = await h.stripe.customers.listBalanceTransactions(customer.id);
    expect(list.data.map((t) => t.id)).toEqual([txn.id]);
  });

  it("creates a customer portal session with a hosted URL", async () => {
    const customer = await h.stripe.customers.create({});
    const session = await h.stripe.billingPortal.sessions.create({ customer: customer.id, return_url: "https://app.test/settings/billing" });
    expect(session).toMatchObject({ object: "billing_portal.session", customer: customer.id, return_url: "https://app.test/settings/billing" });
    expect(session.url).toBe(`${h.emulator.url}/portal/${session.id}`);
    const page = await fetch(session.url);
    const html = await page.text();
    expect(html).toContain("Stripe sandbox (emulator)");
    expect(html).toContain('href="https://app.test/settings/billing"');
  });

  it("retrieves and lists events", async () => {
    const customer = await h.stripe.customers.create({ email: "events@example.com" });
    const list = await h.stripe.events.list({ type: "customer.created", limit: 100 });
    const event = list.data.find((e) => (e.data.object as Stripe.Customer).id === customer.id);
    expect(event?.id).toMatch(/^evt_/);
    const fetched = await h.stripe.events.retrieve(event!.id);
    expect(fetched).toMatchObject({ object: "event", type: "customer.created", api_version: Stripe.API_VERSION, livemode: false });
    expect(fetched.request?.id).toMatch(/^req_/);
    const wildcard = await h.stripe.events.list({ type: "customer.*", limit: 100 });
    expect(wildcard.data.every((e) => e.type.startsWith("customer."))).toBe(true);
  });
});
