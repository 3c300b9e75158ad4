import type Stripe from "stripe";
import type { Emulator } from "../core";
import { recomputeTotals } from "../billing/invoiceBuilder";
import { paymentIntentForInvoice } from "../billing/invoicePayments";
import { markPaid } from "../billing/invoicing";
import { newId } from "../state/ids";
import { invalidRequest, parameterMissing } from "../server/errors";
import { paginate } from "../server/list";
import { applyMetadata, type Params } from "../server/params";
import type { Route } from "../server/router";
import { checkMetadata, getOr404 } from "./common";
import { recordBalanceTransaction } from "./customers";
import { refundCharge } from "./refunds";

function creditLines(invoice: Stripe.Invoice, params: Params, creditNoteId: string): Stripe.CreditNoteLineItem[] {
  return params.objects("lines").map((line) => {
    const type = line.oneOf("type", ["invoice_line_item", "custom_line_item"] as const);
    if (!type) throw parameterMissing(line.name("type"));
    const base = {
      id: newId("cnli"),
      object: "credit_note_line_item" as const,
      discount_amount: 0,
      discount_amounts: [],
      livemode: false,
      metadata: null,
      pretax_credit_amounts: [],
      tax_rates: [],
      taxes: [],
    };
    if (type === "custom_line_item") {
      const unit = line.requiredInt("unit_amount");
      const quantity = line.int("quantity") ?? 1;
      return { ...base, amount: unit * quantity, description: line.string("description") ?? null, quantity, type, unit_amount: unit, unit_amount_decimal: null };
    }
    const lineId = line.requiredString("invoice_line_item");
    const source = invoice.lines.data.find((l) => l.id === lineId);
    if (!source) throw invalidRequest(`No such invoice line item: '${lineId}' on invoice ${invoice.id}`, { code: "resource_missing", param: line.name("invoice_line_item") });
    const amount = line.int("amount") ?? source.amount;
    void creditNoteId;
    return { ...base, amount, description: source.description, invoice_line_item: source.id, quantity: source.quantity, type, unit_amount: null, unit_amount_decimal: null };
  });
}

/**
 * Credit notes lower what an invoice asks for. Before payment they reduce the
 * amount due; after payment the credit is refunded, put on the customer's
 * balance (the default here) or recorded as settled out of band.
 */
function createCreditNote(emu: Emulator, params: Params): Stripe.CreditNote {
  const invoice = getOr404(emu.state.invoices, params.requiredString("invoice"), "invoice", "invoice");
  if (invoice.status !== "open" && invoice.status !== "paid") {
    throw invalidRequest(`You can only create credit notes for open or paid invoices (this one is ${invoice.status}).`, { code: "invoice_not_editable", param: "invoice" });
  }
  const id = newId("cn");
  const lines = creditLines(invoice, params, id);
  const amount = params.int("amount") ?? lines.reduce((sum, l) => sum + l.amount, 0);
  if (amount <= 0) throw invalidRequest("The credit note amount must be positive: pass amount or lines.", { param: "amount" });
  const customerId = invoice.customer as string;
  const customer = getOr404(emu.state.customers, customerId, "customer", "invoice");
  const prePayment = invoice.status === "open";
  const creditable = prePayment ? invoice.amount_remaining : invoice.amount_paid - invoice.post_payment_credit_notes_amount;
  if (amount > creditable) {
    throw invalidRequest(`The credit note amount (${amount}) exceeds the amount that can still be credited on this invoice (${creditable}).`, { param: "amount" });
  }
  const refundAmount = params.int("refund_amount") ?? 0;
  const outOfBand = params.int("out_of_band_amount") ?? 0;
  const creditAmount = params.int("credit_amount") ?? (prePayment ? 0 : amount - refundAmount - outOfBand);
  if (!prePayment && refundAmount + creditAmount + outOfBand !== amount) {
    throw invalidRequest("refund_amount + credit_amount + out_of_band_amount must equal the credit note amount.", { param: "amount" });
  }
  const now = emu.clock.nowFor(customerId);
  const refunds: Stripe.CreditNote.Refund[] = [];
  let balanceTxn: string | null = null;
  if (!prePayment && refundAmount > 0) {
    const pi = paymentIntentForInvoice(emu, invoice.id);
    const charge = typeof pi?.latest_charge === "string" ? emu.state.charges[pi.latest_charge] : undefined;
    if (!charge) throw invalidRequest("This invoice was not paid with a charge, so nothing can be refunded.", { param: "refund_amount" });
    const refund = refundCharge(emu, charge, refundAmount, null, {});
    refunds.push({ amount_refunded: refundAmount, payment_record_refund: null, refund: refund.id, type: "refund" });
  }
  if (!prePayment && creditAmount > 0) {
    balanceTxn = recordBalanceTransaction(emu, customer, -creditAmount, invoice.currency, "credit_note", { invoice: invoice.id, creditNote: id }).id;
  }
  emu.state.counters.creditNoteNumber += 1;
  const note: Stripe.CreditNote = {
    id,
    object: "credit_note",
    amount,
    amount_shipping: 0,
    created: now,
    currency: invoice.currency,
    customer: customerId,
    customer_account: null,
    customer_balance_transaction: balanceTxn,
    discount_amount: 0,
    discount_amounts: [],
    effective_at: now,
    invoice: invoice.id,
    lines: { object: "list", data: lines, has_more: false, url: `/v1/credit_notes/${id}/lines` },
    livemode: false,
    memo: params.string("memo") ?? null,
    metadata: checkMetadata(applyMetadata({}, params.metadataPatch())),
    number: `${invoice.number ?? "DRAFT"}-CN-${String(emu.state.counters.creditNoteNumber).padStart(2, "0")}`,
    out_of_band_amount: outOfBand || null,
    pdf: `${emu.config.publicUrl}/credit_notes/${id}/pdf`,
    post_payment_amount: prePayment ? 0 : amount,
    pre_payment_amount: prePayment ? amount : 0,
    pretax_credit_amounts: [],
    reason: params.oneOf("reason", ["duplicate", "fraudulent", "order_change", "product_unsatisfactory"] as const) ?? null,
    refunds,
    shipping_cost: null,
    status: "issued",
    subtotal: amount,
    subtotal_excluding_tax: amount,
    total: amount,
    total_excluding_tax: amount,
    total_taxes: [],
    type: prePayment ? "pre_payment" : "post_payment",
    voided_at: null,
  };
  emu.state.creditNotes[id] = note;
  if (prePayment) {
    invoice.pre_payment_credit_notes_amount += amount;
    recomputeTotals(invoice);
    if (invoice.amount_remaining === 0) markPaid(emu, invoice, now);
  } else {
    invoice.post_payment_credit_notes_amount += amount;
  }
  emu.emit("credit_note.created", note, customerId);
  return note;
}

export const creditNoteRoutes: Route[] = [
  { method: "POST", pattern: "/v1/credit_notes", handler: ({ emu, params }) => createCreditNote(emu, params) },
  { method: "GET", pattern: "/v1/credit_notes/:id", handler: ({ emu, path }) => getOr404(emu.state.creditNotes, path.id ?? "", "credit_note") },
  {
    method: "GET",
    pattern: "/v1/credit_notes",
    handler: ({ emu, params }) => {
      const invoice = params.string("invoice");
      const customer = params.string("customer");
      const items = Object.values(emu.state.creditNotes).filter((c) => (invoice === undefined || c.invoice === invoice) && (customer === undefined || c.customer === customer));
      return paginate(items, params, "/v1/credit_notes");
    },
  },
];
