import type Stripe from "stripe";
import type { Emulator } from "../core";
import { addInterval } from "../clock";
import { snapshot } from "../events";
import { newId } from "../state/ids";
import { planFromPrice } from "../resources/prices";
import { aggregateUsage } from "./usage";
import type { LineSpec } from "./invoiceBuilder";
import { attemptInvoicePayment, createDraftInvoice, finalizeInvoice } from "./invoicing";
import { lineAmount } from "./money";

export interface ItemInput {
  price: Stripe.Price;
  /** Null for metered prices, which have no quantity. */
  quantity: number | null;
}

export function buildSubscriptionItem(subscriptionId: string, input: ItemInput, period: { start: number; end: number }, created: number): Stripe.SubscriptionItem {
  const item: Stripe.SubscriptionItem = {
    id: newId("si"),
    object: "subscription_item",
    billing_thresholds: null,
    created,
    current_period_end: period.end,
    current_period_start: period.start,
    current_trial: null,
    discounts: [],
    metadata: {},
    plan: planFromPrice(input.price),
    // A copy: the item shows the price as it was when attached, and state stays a tree.
    price: snapshot(input.price),
    subscription: subscriptionId,
    tax_rates: [],
  };
  if (input.quantity !== null) item.quantity = input.quantity;
  return item;
}

export function buildSubscription(fields: {
  customer: Stripe.Customer;
  items: ItemInput[];
  start: number;
  defaultPaymentMethod: string | null;
  metadata: Record<string, string>;
}): Stripe.Subscription {
  const id = newId("sub");
  const first = fields.items[0]?.price;
  const recurring = first?.recurring;
  const end = addInterval(fields.start, recurring?.interval ?? "month", recurring?.interval_count ?? 1);
  return {
    id,
    object: "subscription",
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: fields.start,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: "classic" },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: "charge_automatically",
    created: fields.start,
    currency: first?.currency ?? "usd",
    customer: fields.customer.id,
    customer_account: null,
    days_until_due: null,
    default_payment_method: fields.defaultPaymentMethod,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: "self" } },
    items: {
      object: "list",
      data: fields.items.map((input) => buildSubscriptionItem(id, input, { start: fields.start, end }, fields.start)),
      has_more: false,
      url: `/v1/subscription_items?subscription=${id}`,
    },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: fields.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: "off" },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: fields.start,
    status: "incomplete",
    test_clock: typeof fields.customer.test_clock === "string" ? fields.customer.test_clock : null,
    transfer_data: null,
    trial_end: null,
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: "create_invoice" } },
    trial_start: null,
  };
}

export function currentPeriod(sub: Stripe.Subscription): { start: number; end: number } {
  const item = sub.items.data[0];
  return { start: item?.current_period_start ?? sub.start_date, end: item?.current_period_end ?? sub.start_date };
}

function isMetered(item: Stripe.SubscriptionItem): boolean {
  return item.price.recurring?.usage_type === "metered";
}

/** Metered usage of [start, end) for each metered item, billed in arrears. */
function usageLines(emu: Emulator, sub: Stripe.Subscription, start: number, end: number): LineSpec[] {
  return sub.items.data.filter(isMetered).map((item) => {
    const meterId = item.price.recurring?.meter ?? "";
    const meter = emu.state.meters[meterId];
    const quantity = meter ? aggregateUsage(emu.state, meter, sub.customer as string, start, end) : 0;
    return { price: item.price, quantity, period: { start, end }, subscriptionItem: item.id };
  });
}

/** Licensed (flat) items for [start, end), billed in advance. */
function licensedLines(sub: Stripe.Subscription, start: number, end: number): LineSpec[] {
  return sub.items.data.filter((i) => !isMetered(i)).map((item) => ({ price: item.price, quantity: item.quantity ?? 1, period: { start, end }, subscriptionItem: item.id }));
}

/**
 * Starts a subscription the way Checkout does: `customer.subscription.created`
 * (incomplete), the first invoice (flat fees for the first period, a zero
 * usage line per metered item) finalized and charged at once, then `active`.
 */
export function startSubscription(emu: Emulator, fields: Parameters<typeof buildSubscription>[0]): { subscription: Stripe.Subscription; invoice: Stripe.Invoice; paid: boolean } {
  const sub = buildSubscription(fields);
  emu.state.subscriptions[sub.id] = sub;
  emu.emit("customer.subscription.created", sub, fields.customer.id);
  const { start, end } = currentPeriod(sub);
  const lines = [...licensedLines(sub, start, end), ...usageLines(emu, sub, start, start)].map((l) => ({ ...l, period: { start, end } }));
  const invoice = createDraftInvoice(emu, { customer: fields.customer, subscription: sub, billingReason: "subscription_create", periodStart: start, periodEnd: start, lines });
  sub.latest_invoice = invoice.id;
  finalizeInvoice(emu, invoice);
  const attempt = invoice.status === "paid" ? null : attemptInvoicePayment(emu, invoice);
  const paid = invoice.status === "paid";
  if (paid && sub.status === "incomplete") {
    emu.update(sub, "customer.subscription.updated", fields.customer.id, (s) => {
      s.status = "active";
    });
  }
  void attempt;
  return { subscription: sub, invoice, paid };
}

/**
 * The subscription reached `current_period_end`. Either it ends (cancel at period
 * end) with a final invoice for the usage, or it renews: the new invoice carries
 * the next period's flat fee (in advance) plus the ending period's metered usage
 * (in arrears), exactly like Stripe. The draft finalizes about an hour later.
 */
export function rollPeriod(emu: Emulator, sub: Stripe.Subscription): void {
  const { start, end } = currentPeriod(sub);
  const customer = emu.state.customers[sub.customer as string];
  if (!customer) {
    // Nobody left to bill; ending it also keeps the scheduler from finding it again.
    endSubscription(emu, sub, end, "cancellation_requested");
    return;
  }
  if (sub.cancel_at !== null && sub.cancel_at <= end) {
    const stop = sub.cancel_at;
    const usage = usageLines(emu, sub, start, stop);
    if (usage.some((l) => l.quantity !== 0) || emu.state.internalPendingItems.some((p) => p.subscription === sub.id)) {
      const invoice = createDraftInvoice(emu, { customer, subscription: sub, billingReason: "subscription_cycle", periodStart: start, periodEnd: stop, lines: usage });
      sub.latest_invoice = invoice.id;
    }
    endSubscription(emu, sub, stop, "cancellation_requested");
    return;
  }
  const recurring = sub.items.data[0]?.price.recurring;
  const nextEnd = addInterval(end, recurring?.interval ?? "month", recurring?.interval_count ?? 1);
  const lines = [...licensedLines(sub, end, nextEnd), ...usageLines(emu, sub, start, end)];
  const invoice = createDraftInvoice(emu, { customer, subscription: sub, billingReason: "subscription_cycle", periodStart: start, periodEnd: end, lines });
  emu.update(sub, "customer.subscription.updated", customer.id, (s) => {
    for (const item of s.items.data) {
      item.current_period_start = end;
      item.current_period_end = nextEnd;
    }
    s.latest_invoice = invoice.id;
  });
}

export function endSubscription(emu: Emulator, sub: Stripe.Subscription, at: number, reason: Stripe.Subscription.CancellationDetails.Reason): void {
  sub.status = "canceled";
  sub.ended_at = at;
  sub.canceled_at = sub.canceled_at ?? at;
  sub.cancellation_details = { comment: sub.cancellation_details?.comment ?? null, feedback: sub.cancellation_details?.feedback ?? null, feedback_option: sub.cancellation_details?.feedback_option ?? null, reason };
  emu.emit("customer.subscription.deleted", sub, sub.customer as string);
  emu.persist();
}

/**
 * Prorations for swapping a licensed item's price mid-period: a credit for the
 * unused time on the old price and a charge for the rest of the period on the new one.
 */
export function prorationLines(emu: Emulator, sub: Stripe.Subscription, item: Stripe.SubscriptionItem, newPrice: Stripe.Price, now: number): Array<{ price: Stripe.Price; amount: number; description: string }> {
  const { start, end } = currentPeriod(sub);
  if (isMetered(item) || end <= now) return [];
  const quantity = item.quantity ?? 1;
  const fraction = (end - now) / (end - start);
  const date = new Date(now * 1000).toISOString().slice(0, 10);
  const oldName = emu.state.products[item.price.product as string]?.name ?? "plan";
  const newName = emu.state.products[newPrice.product as string]?.name ?? "plan";
  return [
    { price: item.price, amount: -Math.round(lineAmount(item.price, quantity) * fraction), description: `Unused time on ${quantity} × ${oldName} after ${date}` },
    { price: newPrice, amount: Math.round(lineAmount(newPrice, quantity) * fraction), description: `Remaining time on ${quantity} × ${newName} after ${date}` },
  ];
}

/** Invoices outstanding usage and prorations now (cancel with `invoice_now`, `always_invoice`). */
export function invoiceNow(emu: Emulator, sub: Stripe.Subscription, billingReason: Stripe.Invoice.BillingReason, includeUsage: boolean): Stripe.Invoice | null {
  const customer = emu.state.customers[sub.customer as string];
  if (!customer) return null;
  const now = emu.clock.nowFor(customer.id);
  const { start } = currentPeriod(sub);
  const usage = includeUsage ? usageLines(emu, sub, start, now + 1) : [];
  if (usage.length === 0 && !emu.state.internalPendingItems.some((p) => p.subscription === sub.id)) return null;
  const invoice = createDraftInvoice(emu, { customer, subscription: sub, billingReason, periodStart: start, periodEnd: now, lines: usage });
  sub.latest_invoice = invoice.id;
  finalizeInvoice(emu, invoice);
  if (invoice.status === "open") attemptInvoicePayment(emu, invoice);
  return invoice;
}
