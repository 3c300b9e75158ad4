import type Stripe from "stripe";
import type { Emulator } from "../core";
import { newId } from "../state/ids";
import { toDecimal } from "../resources/prices";
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

export function buildLine(emu: Emulator, invoiceId: string, subscription: string | null, spec: LineSpec): Stripe.InvoiceLineItem {
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
