import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addMonths } from "../clock";
import { createPlan, payCheckout, postForm, startHarness, type Harness } from "./harness";

let h: Harness;
let plan: Awaited<ReturnType<typeof createPlan>>;
beforeAll(async () => {
  h = await startHarness();
  plan = await createPlan(h.stripe);
});
afterAll(async () => {
  await h.close();
});

/** A customer on a fresh test clock, subscribed to Pro (flat + metered) through Checkout. */
async function subscribedOnClock(card = "4242424242424242") {
  const start = Math.floor(Date.now() / 1000) - 3 * 86_400;
  const t0 = start - (start % 60);
  const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: t0, name: "renewal" });
  const customer = await h.stripe.customers.create({ email: "clock@example.com", test_clock: clock.id });
  const session = await h.stripe.checkout.sessions.create({
    mode: "subscription",
    customer: customer.id,
    line_items: [{ price: plan.flat.id, quantity: 1 }, { price: plan.metered.id }],
    subscription_data: { metadata: { accountId: "acct_clock" } },
    success_url: "https://app.test/ok?cs={CHECKOUT_SESSION_ID}",
  });
  const paid = await payCheckout(session, { card });
  expect(paid.status).toBe(303);
  const subId = (await h.stripe.checkout.sessions.retrieve(session.id)).subscription as string;
  const subscription = await h.stripe.subscriptions.retrieve(subId);
  return { clock, customer, subscription, t0 };
}

function itemOf(sub: Stripe.Subscription, price: Stripe.Price) {
  const item = sub.items.data.find((i) => i.price.id === price.id);
  if (!item) throw new Error(`no item for ${price.id}`);
  return item;
}

async function usage(customer: string, value: number, timestamp: number, identifier?: string) {
  return h.stripe.billing.meterEvents.create({ event_name: plan.meter.event_name, payload: { stripe_customer_id: customer, value: String(value) }, timestamp, identifier });
}

describe("renewal with a test clock", () => {
  it("bills next period's flat fee plus last period's metered usage, draft → open → paid", async () => {
    const { clock, customer, subscription, t0 } = await subscribedOnClock();
    const t1 = addMonths(t0, 1);
    expect(itemOf(subscription, plan.flat).current_period_start).toBe(t0);
    expect(itemOf(subscription, plan.flat).current_period_end).toBe(t1);

    await usage(customer.id, 1000, t0 + 100, "u-1");
    await usage(customer.id, 500, t0 + 200, "u-2");
    await usage(customer.id, 500, t0 + 200, "u-2"); // resend: not counted twice

    const advanced = await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: t1 });
    expect(advanced).toMatchObject({ status: "ready", frozen_time: t1 });

    const renewed = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(itemOf(renewed, plan.flat).current_period_start).toBe(t1);
    expect(itemOf(renewed, plan.metered).current_period_end).toBe(addMonths(t1, 1));
    const draft = await h.stripe.invoices.retrieve(renewed.latest_invoice as string);
    expect(draft).toMatchObject({ status: "draft", billing_reason: "subscription_cycle", created: t1, period_start: t0, period_end: t1, total: 2000 + 750 });
    const flatLine = draft.lines.data.find((l) => l.pricing?.price_details?.price === plan.flat.id);
    const usageLine = draft.lines.data.find((l) => l.pricing?.price_details?.price === plan.metered.id);
    expect(flatLine).toMatchObject({ amount: 2000, quantity: 1, period: { start: t1, end: addMonths(t1, 1) } });
    expect(usageLine).toMatchObject({ amount: 750, quantity: 1500, period: { start: t0, end: t1 } });
    expect(usageLine?.parent?.subscription_item_details?.subscription_item).toBe(itemOf(renewed, plan.metered).id);

    // Stripe finalizes about an hour later, then charges the default card.
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: t1 + 3600 });
    const paid = await h.stripe.invoices.retrieve(draft.id);
    expect(paid).toMatchObject({ status: "paid", amount_paid: 2750, amount_remaining: 0 });
    expect(paid.status_transitions.finalized_at).toBe(t1 + 3600);
    expect(paid.number).toMatch(/-0002$/);

    const invoiceEvents = (await h.received()).filter((e) => (e.data.object as { id?: string }).id === draft.id).map((e) => e.type);
    expect(invoiceEvents).toEqual(["invoice.created", "invoice.finalized", "invoice.paid", "invoice.payment_succeeded"]);

    const listed = await h.stripe.invoices.list({ subscription: subscription.id });
    expect(listed.data.map((i) => i.id)).toEqual([draft.id, subscription.latest_invoice]);
  });

  it("usage reported in the hour before finalization, timestamped in the old period, is billed: 1000 + 400 late → 2000 + 700", async () => {
    const { clock, customer, subscription, t0 } = await subscribedOnClock();
    const t1 = addMonths(t0, 1);
    await usage(customer.id, 1000, t0 + 100);
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: t1 + 600 });
    const draftId = (await h.stripe.subscriptions.retrieve(subscription.id)).latest_invoice as string;
    expect(await h.stripe.invoices.retrieve(draftId)).toMatchObject({ status: "draft", total: 2000 + 500 });

    // Reported 10 minutes into the grace hour, about the last minute of the old period.
    await usage(customer.id, 400, t1 - 60);
    // Reported during the grace hour but timestamped in the new period: next invoice's usage.
    await usage(customer.id, 30, t1 + 300);
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: t1 + 3600 });

    const paid = await h.stripe.invoices.retrieve(draftId);
    expect(paid).toMatchObject({ status: "paid", subtotal: 2700, total: 2700, amount_due: 2700, amount_paid: 2700 });
    const usageLine = paid.lines.data.find((l) => l.pricing?.price_details?.price === plan.metered.id);
    expect(usageLine).toMatchObject({ quantity: 1400, amount: 700, period: { start: t0, end: t1 } });
    const finalized = (await h.received("invoice.finalized")).find((e) => (e.data.object as Stripe.Invoice).id === draftId);
    expect((finalized?.data.object as Stripe.Invoice).total).toBe(2700);
    const updated = (await h.received("invoice.updated")).find((e) => (e.data.object as Stripe.Invoice).id === draftId);
    expect(updated?.data.previous_attributes).toMatchObject({ total: 2500 });
  });

  it("a long jump creates, finalizes and pays each period in order", async () => {
    const { clock, customer, subscription, t0 } = await subscribedOnClock();
    const t1 = addMonths(t0, 1);
    const t2 = addMonths(t1, 1);
    await usage(customer.id, 10, t0 + 60);
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: t1 + 7200 });
    await usage(customer.id, 40, t1 + 7200);
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: t2 + 7200 });
    const invoices = await h.stripe.invoices.list({ subscription: subscription.id });
    expect(invoices.data.map((i) => [i.billing_reason, i.status, i.total])).toEqual([
      ["subscription_cycle", "paid", 2000 + 20],
      ["subscription_cycle", "paid", 2000 + 5],
      ["subscription_create", "paid", 2000],
    ]);
    expect(invoices.data[0]?.created).toBe(t2);
  });

  it("a failing card makes the invoice payment fail and the subscription past_due; paying later recovers it", async () => {
    const { clock, customer, subscription, t0 } = await subscribedOnClock();
    const failing = await h.stripe.paymentMethods.attach("pm_card_chargeCustomerFail", { customer: customer.id });
    await h.stripe.subscriptions.update(subscription.id, { default_payment_method: failing.id });
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: addMonths(t0, 1) + 3601 });
    const sub = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(sub.status).toBe("past_due");
    const invoice = await h.stripe.invoices.retrieve(sub.latest_invoice as string);
    expect(invoice).toMatchObject({ status: "open", attempted: true, attempt_count: 1, amount_paid: 0 });
    const failedEvents = (await h.received("invoice.payment_failed")).filter((e) => (e.data.object as Stripe.Invoice).id === invoice.id);
    expect(failedEvents).toHaveLength(1);
    const pastDue = (await h.received("customer.subscription.updated")).find(
      (e) => (e.data.object as Stripe.Subscription).id === sub.id && (e.data.previous_attributes as { status?: string } | undefined)?.status === "active",
    );
    expect((pastDue?.data.object as Stripe.Subscription).status).toBe("past_due");

    await expect(h.stripe.invoices.pay(invoice.id)).rejects.toBeInstanceOf(Stripe.errors.StripeCardError);
    const good = await h.stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
    const paid = await h.stripe.invoices.pay(invoice.id, { payment_method: good.id });
    expect(paid.status).toBe("paid");
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
  });

  it("applies a customer credit balance to the next invoice", async () => {
    const { clock, customer, t0, subscription } = await subscribedOnClock();
    await h.stripe.customers.createBalanceTransaction(customer.id, { amount: -500, currency: "usd", description: "Referral credit" });
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: addMonths(t0, 1) + 3600 });
    const sub = await h.stripe.subscriptions.retrieve(subscription.id);
    const invoice = await h.stripe.invoices.retrieve(sub.latest_invoice as string);
    expect(invoice).toMatchObject({ total: 2000, starting_balance: -500, ending_balance: 0, amount_due: 1500, amount_paid: 1500, status: "paid" });
    expect(((await h.stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance).toBe(0);
  });

  it("finalizes and pays explicitly, and issues credit notes on open and paid invoices", async () => {
    const { clock, customer, subscription, t0 } = await subscribedOnClock();
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: addMonths(t0, 1) });
    const draftId = (await h.stripe.subscriptions.retrieve(subscription.id)).latest_invoice as string;
    const open = await h.stripe.invoices.finalizeInvoice(draftId);
    expect(open).toMatchObject({ status: "open", amount_due: 2000 });
    await expect(h.stripe.invoices.finalizeInvoice(draftId)).rejects.toMatchObject({ statusCode: 400 });

    const pre = await h.stripe.creditNotes.create({ invoice: open.id, amount: 300, reason: "order_change" });
    expect(pre).toMatchObject({ object: "credit_note", type: "pre_payment", amount: 300, status: "issued" });
    expect((await h.stripe.invoices.retrieve(open.id)).amount_due).toBe(1700);

    const paid = await h.stripe.invoices.pay(open.id);
    expect(paid).toMatchObject({ status: "paid", amount_paid: 1700 });
    await expect(h.stripe.invoices.pay(open.id)).rejects.toMatchObject({ statusCode: 400 });

    const post = await h.stripe.creditNotes.create({ invoice: open.id, amount: 700, refund_amount: 200, credit_amount: 500 });
    expect(post).toMatchObject({ type: "post_payment", amount: 700 });
    expect(post.refunds[0]?.amount_refunded).toBe(200);
    expect(typeof post.customer_balance_transaction).toBe("string");
    expect(((await h.stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance).toBe(-500);
    await expect(h.stripe.creditNotes.create({ invoice: open.id, amount: 5000 })).rejects.toMatchObject({ param: "amount" });
    const notes = await h.stripe.creditNotes.list({ invoice: open.id });
    expect(notes.data).toHaveLength(2);
  });
});

describe("changing and canceling subscriptions", () => {
  it("changes the price without proration and reports previous_attributes", async () => {
    const { subscription } = await subscribedOnClock();
    const plus = await h.stripe.prices.create({ product: plan.product.id, currency: "usd", unit_amount: 5000, recurring: { interval: "month" }, lookup_key: "pro_plus_monthly" });
    const flatItem = itemOf(subscription, plan.flat);
    const updated = await h.stripe.subscriptions.update(subscription.id, { items: [{ id: flatItem.id, price: plus.id }], proration_behavior: "none" });
    expect(itemOf(updated, plus).id).toBe(flatItem.id);
    const event = (await h.received("customer.subscription.updated")).reverse().find((e) => (e.data.object as Stripe.Subscription).id === subscription.id);
    const previousItems = (event?.data.previous_attributes as Partial<Stripe.Subscription>).items?.data ?? [];
    expect(previousItems.map((i) => i.price.id)).toContain(plan.flat.id);
  });

  it("prorates a mid-period upgrade onto the next renewal invoice", async () => {
    const { clock, subscription, t0 } = await subscribedOnClock();
    const t1 = addMonths(t0, 1);
    const half = t0 + Math.floor((t1 - t0) / 2);
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: half });
    const plus = await h.stripe.prices.create({ product: plan.product.id, currency: "usd", unit_amount: 4000, recurring: { interval: "month" } });
    await h.stripe.subscriptions.update(subscription.id, { items: [{ id: itemOf(subscription, plan.flat).id, price: plus.id }], proration_behavior: "create_prorations" });
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: t1 });
    const invoice = await h.stripe.invoices.retrieve((await h.stripe.subscriptions.retrieve(subscription.id)).latest_invoice as string);
    const prorations = invoice.lines.data.filter((l) => l.parent?.subscription_item_details?.proration);
    expect(prorations.map((l) => l.amount)).toEqual([-1000, 2000]);
    expect(invoice.total).toBe(4000 + 1000);
  });

  it("cancels at period end, resumes, then ends with a final usage invoice", async () => {
    const { clock, customer, subscription, t0 } = await subscribedOnClock();
    const t1 = addMonths(t0, 1);
    const canceling = await h.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    expect(canceling).toMatchObject({ cancel_at_period_end: true, cancel_at: t1, status: "active" });
    const resumed = await h.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: false });
    expect(resumed).toMatchObject({ cancel_at_period_end: false, cancel_at: null, canceled_at: null });
    await h.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    await usage(customer.id, 100, t0 + 120);
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: t1 + 3600 });
    const ended = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(ended).toMatchObject({ status: "canceled", ended_at: t1 });
    const final = await h.stripe.invoices.retrieve(ended.latest_invoice as string);
    expect(final).toMatchObject({ status: "paid", total: 50 });
    expect(final.lines.data).toHaveLength(1);
    const deleted = (await h.received("customer.subscription.deleted")).filter((e) => (e.data.object as Stripe.Subscription).id === subscription.id);
    expect(deleted).toHaveLength(1);
    const active = await h.stripe.subscriptions.list({ customer: customer.id });
    expect(active.data).toHaveLength(0);
  });

  it("cancels immediately and delivers customer.subscription.deleted once", async () => {
    const { subscription, customer } = await subscribedOnClock();
    const canceled = await h.stripe.subscriptions.cancel(subscription.id);
    expect(canceled.status).toBe("canceled");
    expect(canceled.canceled_at).not.toBeNull();
    const deleted = (await h.received("customer.subscription.deleted")).filter((e) => (e.data.object as Stripe.Subscription).id === subscription.id);
    expect(deleted).toHaveLength(1);
    expect(deleted[0]?.data.object).toMatchObject({ id: subscription.id, status: "canceled", canceled_at: canceled.canceled_at });
    await expect(h.stripe.subscriptions.cancel(subscription.id)).rejects.toMatchObject({ statusCode: 400 });
    const all = await h.stripe.subscriptions.list({ customer: customer.id, status: "all" });
    expect(all.data.map((s) => s.id)).toEqual([subscription.id]);
  });

  it("lets the customer cancel, resume and switch plan in the portal page", async () => {
    const { subscription, customer } = await subscribedOnClock();
    const annual = await h.stripe.prices.create({ product: plan.product.id, currency: "usd", unit_amount: 3000, recurring: { interval: "month" }, nickname: "Pro Max" });
    const portal = await h.stripe.billingPortal.sessions.create({ customer: customer.id, return_url: "https://app.test/billing" });
    const page = await (await fetch(portal.url)).text();
    expect(page).toContain('data-testid="cancel-subscription"');
    expect(page).toContain(`data-price="${annual.id}"`);

    const base = `${portal.url}/subscriptions/${subscription.id}`;
    const cancel = await postForm(`${base}/cancel`, {});
    expect(cancel.status).toBe(303);
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).cancel_at_period_end).toBe(true);
    const after = await (await fetch(new URL(cancel.location ?? "", portal.url))).text();
    expect(after).toContain('data-testid="resume-subscription"');
    await postForm(`${base}/resume`, {});
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).cancel_at_period_end).toBe(false);
    const refused = await postForm(`${base}/switch`, { item: itemOf(subscription, plan.flat).id, price: plan.metered.id });
    expect(decodeURIComponent(refused.location ?? "")).toContain("Could not update the subscription: That plan is not available.");
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).items.data.map((i) => i.price.id).sort()).toEqual([plan.flat.id, plan.metered.id].sort());
    await postForm(`${base}/switch`, { item: itemOf(subscription, plan.flat).id, price: annual.id });
    const switched = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(switched.items.data.map((i) => i.price.id)).toContain(annual.id);
  });
});

describe("real-time subscriptions", () => {
  it("renews on demand through the emulator control API", async () => {
    const customer = await h.stripe.customers.create({ email: "realtime@example.com" });
    const pm = await h.stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
    const sub = await h.stripe.subscriptions.create({ customer: customer.id, items: [{ price: plan.flat.id }, { price: plan.metered.id }], default_payment_method: pm.id });
    expect(sub.status).toBe("active");
    await usage(customer.id, 200, Math.floor(Date.now() / 1000));
    const res = await fetch(`${h.emulator.url}/_emulator/subscriptions/${sub.id}/renew`, { method: "POST" });
    expect(res.status).toBe(200);
    const invoice = await h.stripe.invoices.retrieve((await h.stripe.subscriptions.retrieve(sub.id)).latest_invoice as string);
    expect(invoice).toMatchObject({ status: "paid", billing_reason: "subscription_cycle", total: 2000 + 100 });
  });

  it("usage reported in the very second of the renewal, a second after the period began, is billed", async () => {
    const customer = await h.stripe.customers.create({ email: "realtime-edge@example.com" });
    const pm = await h.stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
    const sub = await h.stripe.subscriptions.create({ customer: customer.id, items: [{ price: plan.flat.id }, { price: plan.metered.id }], default_payment_method: pm.id });
    // Into the next whole second, so the period's start is strictly before the renewal's second.
    await new Promise((r) => setTimeout(r, 1100));
    await usage(customer.id, 200, Math.floor(Date.now() / 1000));
    const res = await fetch(`${h.emulator.url}/_emulator/subscriptions/${sub.id}/renew`, { method: "POST" });
    expect(res.status).toBe(200);
    const invoice = await h.stripe.invoices.retrieve((await h.stripe.subscriptions.retrieve(sub.id)).latest_invoice as string);
    expect(invoice).toMatchObject({ status: "paid", total: 2000 + 100 });
  });
});

describe("other endings", () => {
  it("cancel_at mid-period ends the subscription then and bills usage up to that moment", async () => {
    const { clock, customer, subscription, t0 } = await subscribedOnClock();
    const stop = t0 + 10 * 86_400;
    await usage(customer.id, 40, t0 + 60);
    const scheduled = await h.stripe.subscriptions.update(subscription.id, { cancel_at: stop });
    expect(scheduled).toMatchObject({ cancel_at: stop, cancel_at_period_end: false });
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: stop + 7200 });
    const ended = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(ended).toMatchObject({ status: "canceled", ended_at: stop });
    const final = await h.stripe.invoices.retrieve(ended.latest_invoice as string);
    expect(final).toMatchObject({ period_end: stop, total: 20, status: "paid" });
  });

  it("deleting a customer cancels their subscriptions", async () => {
    const { customer, subscription } = await subscribedOnClock();
    await h.stripe.customers.del(customer.id);
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).status).toBe("canceled");
  });
});
