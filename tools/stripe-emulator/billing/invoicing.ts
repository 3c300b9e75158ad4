import type Stripe from "stripe";
import type { Emulator } from "../core";
import { invalidRequest } from "../server/errors";
import { recordBalanceTransaction } from "../resources/customers";
import { buildInvoice, buildLine, recomputeTotals, type LineSpec } from "./invoiceBuilder";
import { recordInvoicePayment } from "./invoicePayments";
import { confirmPaymentIntent, createPaymentIntent } from "./payments";
import { refreshMeteredLines } from "./usageRefresh";

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
 * draft → open: bills usage that arrived while it was a draft, numbers the invoice
 * and applies the customer's credit balance (a negative balance pays part or all
 * of it). A zero amount is paid at once.
 */
export function finalizeInvoice(emu: Emulator, invoice: Stripe.Invoice): Stripe.Invoice {
  if (invoice.status !== "draft") throw invalidRequest(`This invoice is already finalized, you can't re-finalize a non-draft invoice.`, { code: "invoice_not_editable" });
  const customerId = invoice.customer as string;
  // Before the balance is applied, which depends on the total; a change is an `invoice.updated`.
  emu.update(invoice, "invoice.updated", customerId, (draft) => {
    if (refreshMeteredLines(emu, draft)) recomputeTotals(draft);
  });
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
    onPaymentFailed(emu, invoice, subscription);
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
  recordInvoicePayment(emu, invoice, pi, now);
  if (outcome.declined) {
    onPaymentFailed(emu, invoice, subscription);
    return { invoice, paymentIntent: pi, failure: outcome.declined };
  }
  invoice.amount_paid += pi.amount;
  markPaid(emu, invoice, now);
  if (subscription && (subscription.status === "past_due" || subscription.status === "incomplete")) {
    emu.update(subscription, "customer.subscription.updated", customerId, (s) => {
      s.status = "active";
    });
  }
  return { invoice, paymentIntent: pi, failure: null };
}

function onPaymentFailed(emu: Emulator, invoice: Stripe.Invoice, subscription: Stripe.Subscription | undefined): void {
  const customerId = invoice.customer as string;
  // Stripe's smart retries would try again later; the emulator leaves retries to `invoices.pay`.
  invoice.next_payment_attempt = null;
  emu.emit("invoice.payment_failed", invoice, customerId);
  if (subscription && subscription.status === "active" && invoice.billing_reason !== "subscription_create") {
    emu.update(subscription, "customer.subscription.updated", customerId, (s) => {
      s.status = "past_due";
    });
  }
}
