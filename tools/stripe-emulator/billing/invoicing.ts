import type Stripe from "stripe";
import type { Emulator } from "../core";
import { newId } from "../state/ids";
import { invalidRequest } from "../server/errors";
import { recordBalanceTransaction } from "../resources/customers";
import { toDecimal } from "../resources/prices";
import { confirmPaymentIntent, createPaymentIntent } from "./payments";
import { formatUnitPrice, lineAmount } from "./money";

/** Stripe finalizes automatically-advancing drafts about an hour after creating them. */
export const DRAFT_FINALIZE_DELAY_SECONDS = 3600;

export interface LineSpec {
  price: Stripe.Price;
  quantity: number;
  period: { start: number; end: number };
  subscriptionItem: string | null;
  /** Overrides quantity × price (prorations). */
  amount?: number;
  description?: string;
  proration?: boolean;
}

function productName(emu: Emulator, price: Stripe.Price): string {
  const productId = typeof price.product === "string" ? price.product : price.product.id;
  return emu.state.products[productId]?.name ?? productId;
}

export function describeLine(emu: Emulator, price: Stripe.Price, quantity: number): string {
  const interval = price.recurring ? ` / ${price.recurring.interval}` : "";
  return `${quantity} × ${productName(emu, price)} (at ${formatUnitPrice(price)}${interval})`;
}

function buildLine(emu: Emulator, invoiceId: string, subscription: string | null, spec: LineSpec): Stripe.InvoiceLineItem {
  const amount = spec.amount ?? lineAmount(spec.price, spec.quantity);
  const productId = typeof spec.price.product === "string" ? spec.price.product : spec.price.product.id;
  return {
    id: newId("il"),
    object: "line_item",
    amount,
    currency: spec.price.currency,
    description: spec.description ?? describeLine(emu, spec.price, spec.quantity),
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: invoiceId,
    livemode: false,
    metadata: {},
    parent: {
      type: "subscription_item_details",
      invoice_item_details: null,
      subscription_item_details: spec.subscriptionItem
        ? {
            invoice_item: null,
            proration: spec.proration ?? false,
            proration_details: { credited_items: null },
            subscription,
            subscription_item: spec.subscriptionItem,
          }
        : null,
    },
    period: spec.period,
    pretax_credit_amounts: [],
    pricing: { type: "price_details", price_details: { price: spec.price.id, product: productId }, unit_amount_decimal: spec.price.unit_amount_decimal },
    quantity: spec.quantity,
    quantity_decimal: toDecimal(spec.quantity),
    subscription,
    subtotal: amount,
    taxes: [],
  };
}

/**
 * Stripe's reference example of an invoice still carries the pre-2025 top-level
 * `subscription` field (the stripe@23 types moved it to `parent`); we send both
 * so code written against either shape finds it.
 */
export type InvoiceWithLegacyFields = Stripe.Invoice & { subscription: string | null };

export function buildInvoice(emu: Emulator, fields: {
  customer: Stripe.Customer;
  subscription: Stripe.Subscription | null;
  billingReason: Stripe.Invoice.BillingReason;
  periodStart: number;
  periodEnd: number;
  created: number;
  currency: string;
}): InvoiceWithLegacyFields {
  const id = newId("in");
  const { customer, subscription } = fields;
  const invoice: InvoiceWithLegacyFields = {
    id,
    object: "invoice",
    account_country: "US",
    account_name: "Meterline Sandbox",
    account_tax_ids: null,
    amount_due: 0,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: 0,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: true,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: fields.created + DRAFT_FINALIZE_DELAY_SECONDS,
    billing_reason: fields.billingReason,
    collection_method: "charge_automatically",
    created: fields.created,
    currency: fields.currency,
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    customer_address: customer.address ?? null,
    customer_email: customer.email,
    customer_name: customer.name ?? null,
    customer_phone: customer.phone ?? null,
    customer_shipping: null,
    customer_tax_exempt: customer.tax_exempt ?? "none",
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: "self" },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: "list", data: [], has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: subscription
      ? { type: "subscription_details", quote_details: null, subscription_details: { metadata: { ...subscription.metadata }, subscription: subscription.id } }
      : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: fields.periodEnd,
    period_start: fields.periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: "draft",
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subscription: subscription?.id ?? null,
    subtotal: 0,
    subtotal_excluding_tax: 0,
    test_clock: typeof customer.test_clock === "string" ? customer.test_clock : null,
    total: 0,
    total_discount_amounts: [],
    total_excluding_tax: 0,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: null,
  };
  return invoice;
}

/** Totals follow the lines; the customer balance is applied at finalization. */
export function recomputeTotals(invoice: Stripe.Invoice): void {
  const subtotal = invoice.lines.data.reduce((sum, line) => sum + line.amount, 0);
  invoice.subtotal = subtotal;
  invoice.subtotal_excluding_tax = subtotal;
  invoice.total = subtotal;
  invoice.total_excluding_tax = subtotal;
  // Balance applied at finalization: starting minus ending (0 while a draft).
  const applied = invoice.ending_balance === null ? 0 : invoice.starting_balance - invoice.ending_balance;
  const due = Math.max(0, subtotal - invoice.pre_payment_credit_notes_amount + applied);
  invoice.amount_due = due;
  invoice.amount_remaining = Math.max(0, due - invoice.amount_paid);
}

/** Creates a draft with its lines (plus pending prorations) and emits `invoice.created`. */
export function createDraftInvoice(
  emu: Emulator,
  fields: Omit<Parameters<typeof buildInvoice>[1], "created" | "currency"> & { lines: LineSpec[] },
): Stripe.Invoice {
  const created = emu.clock.nowFor(fields.customer.id);
  const currency = fields.lines[0]?.price.currency ?? fields.customer.currency ?? "usd";
  const invoice = buildInvoice(emu, { ...fields, created, currency });
  const subscriptionId = fields.subscription?.id ?? null;
  invoice.lines.data = fields.lines.map((spec) => buildLine(emu, invoice.id, subscriptionId, spec));
  if (subscriptionId) {
    const pending = emu.state.internalPendingItems.filter((p) => p.subscription === subscriptionId);
    emu.state.internalPendingItems = emu.state.internalPendingItems.filter((p) => p.subscription !== subscriptionId);
    for (const item of pending) {
      const price = emu.state.prices[item.price];
      if (!price) continue;
      invoice.lines.data.push(
        buildLine(emu, invoice.id, subscriptionId, {
          price,
          quantity: item.quantity,
          amount: item.amount,
          description: item.description,
          period: item.period,
          subscriptionItem: item.subscriptionItem,
          proration: true,
        }),
      );
    }
  }
  invoice.lines.data.sort((a, b) => a.period.start - b.period.start);
  recomputeTotals(invoice);
  emu.state.invoices[invoice.id] = invoice;
  if (fields.customer.currency === null) fields.customer.currency = currency;
  emu.emit("invoice.created", invoice, fields.customer.id);
  return invoice;
}

/**
 * draft → open: numbers the invoice and applies the customer's credit balance
 * (a negative balance pays part or all of it). A zero amount is paid at once.
 */
export function finalizeInvoice(emu: Emulator, invoice: Stripe.Invoice): Stripe.Invoice {
  if (invoice.status !== "draft") throw invalidRequest(`This invoice is already finalized, you can't re-finalize a non-draft invoice.`, { code: "invoice_not_editable" });
  const customerId = invoice.customer as string;
  const customer = emu.state.customers[customerId];
  const now = emu.clock.nowFor(customerId);
  if (customer) {
    invoice.number = `${customer.invoice_prefix}-${String(customer.next_invoice_sequence ?? 1).padStart(4, "0")}`;
    customer.next_invoice_sequence = (customer.next_invoice_sequence ?? 1) + 1;
    const balance = customer.balance;
    const payable = invoice.total - invoice.pre_payment_credit_notes_amount;
    // A credit (negative balance) pays up to the whole invoice; a debit is added to it.
    const applied = balance < 0 ? Math.max(balance, -Math.max(0, payable)) : balance;
    invoice.starting_balance = balance;
    invoice.ending_balance = balance - applied;
    if (applied !== 0) recordBalanceTransaction(emu, customer, -applied, invoice.currency, "applied_to_invoice", { invoice: invoice.id });
  }
  invoice.status = "open";
  invoice.automatically_finalizes_at = null;
  invoice.effective_at = now;
  invoice.status_transitions.finalized_at = now;
  invoice.webhooks_delivered_at = now;
  // Like Stripe, a finalized invoice gets its hosted page and PDF links (see pages/routes.ts).
  invoice.hosted_invoice_url = `${emu.config.publicUrl}/invoice/${invoice.id}`;
  invoice.invoice_pdf = `${emu.config.publicUrl}/invoice/${invoice.id}/pdf`;
  recomputeTotals(invoice);
  emu.emit("invoice.finalized", invoice, customerId);
  if (invoice.amount_due === 0) markPaid(emu, invoice, now);
  return invoice;
}

export function markPaid(emu: Emulator, invoice: Stripe.Invoice, now: number): void {
  invoice.status = "paid";
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.attempted = true;
  invoice.next_payment_attempt = null;
  invoice.status_transitions.paid_at = now;
  const customerId = invoice.customer as string;
  emu.emit("invoice.paid", invoice, customerId);
  emu.emit("invoice.payment_succeeded", invoice, customerId);
}

export interface PaymentAttempt {
  invoice: Stripe.Invoice;
  paymentIntent: Stripe.PaymentIntent | null;
  failure: { code: string; declineCode: string; message: string } | null;
}

/** Picks the card Stripe would charge: the subscription's default, else the customer's. */
export function paymentMethodForInvoice(emu: Emulator, invoice: Stripe.Invoice): string | null {
  const subId = invoice.parent?.subscription_details?.subscription;
  const sub = typeof subId === "string" ? emu.state.subscriptions[subId] : undefined;
  const fromSub = typeof sub?.default_payment_method === "string" ? sub.default_payment_method : null;
  const customer = emu.state.customers[invoice.customer as string];
  const fromCustomer = customer?.invoice_settings.default_payment_method;
  return fromSub ?? (typeof fromCustomer === "string" ? fromCustomer : null);
}

/**
 * Charges an open invoice. Success → `paid` (+ `invoice.paid`); a decline →
 * `invoice.payment_failed` and the subscription goes `past_due`.
 */
export function attemptInvoicePayment(emu: Emulator, invoice: Stripe.Invoice, paymentMethodOverride: string | null = null): PaymentAttempt {
  const customerId = invoice.customer as string;
  const now = emu.clock.nowFor(customerId);
  if (invoice.amount_remaining === 0) {
    if (invoice.status === "open") markPaid(emu, invoice, now);
    return { invoice, paymentIntent: null, failure: null };
  }
  invoice.attempted = true;
  invoice.attempt_count += 1;
  const pmId = paymentMethodOverride ?? paymentMethodForInvoice(emu, invoice);
  const pm = pmId ? emu.state.paymentMethods[pmId] : undefined;
  const subId = invoice.parent?.subscription_details?.subscription;
  const subscription = typeof subId === "string" ? emu.state.subscriptions[subId] : undefined;
  if (!pm) {
    const failure = { code: "invoice_no_payment_method", declineCode: "", message: "The customer has no default payment method." };
    onPaymentFailed(emu, invoice, subscription, now);
    return { invoice, paymentIntent: null, failure };
  }
  const pi = createPaymentIntent(emu, {
    amount: invoice.amount_remaining,
    currency: invoice.currency,
    customer: customerId,
    paymentMethod: pm.id,
    created: now,
    metadata: {},
    description: invoice.billing_reason === "subscription_create" ? "Subscription creation" : invoice.billing_reason === "subscription_cycle" ? "Subscription update" : `Invoice ${invoice.number ?? invoice.id}`,
    setupFutureUsage: null,
  });
  const outcome = confirmPaymentIntent(emu, pi, pm);
  if (outcome.declined) {
    onPaymentFailed(emu, invoice, subscription, now);
    return { invoice, paymentIntent: pi, failure: outcome.declined };
  }
  invoice.amount_paid += pi.amount;
  emu.state.internalInvoicePayments[invoice.id] = pi.id;
  markPaid(emu, invoice, now);
  if (subscription && (subscription.status === "past_due" || subscription.status === "incomplete")) {
    emu.update(subscription, "customer.subscription.updated", customerId, (s) => {
      s.status = "active";
    });
  }
  return { invoice, paymentIntent: pi, failure: null };
}

function onPaymentFailed(emu: Emulator, invoice: Stripe.Invoice, subscription: Stripe.Subscription | undefined, now: number): void {
  const customerId = invoice.customer as string;
  // Stripe's smart retries would try again later; the emulator leaves retries to `invoices.pay`.
  invoice.next_payment_attempt = null;
  emu.emit("invoice.payment_failed", invoice, customerId);
  if (subscription && subscription.status === "active" && invoice.billing_reason !== "subscription_create") {
    emu.update(subscription, "customer.subscription.updated", customerId, (s) => {
      s.status = "past_due";
    });
  }
  void now;
}
