import type Stripe from "stripe";
import type { Emulator } from "../core";
import { newId } from "../state/ids";

/** Links the PaymentIntent to the invoice the way Stripe's InvoicePayment objects do. */
export function recordInvoicePayment(emu: Emulator, invoice: Stripe.Invoice, pi: Stripe.PaymentIntent, now: number): void {
  const paid = pi.status === "succeeded";
  for (const existing of Object.values(emu.state.invoicePayments)) {
    // Only the latest attempt is the invoice's default payment.
    if (existing.invoice === invoice.id) existing.is_default = false;
  }
  const payment: Stripe.InvoicePayment = {
    id: newId("inpay"),
    object: "invoice_payment",
    amount_paid: paid ? pi.amount : null,
    amount_requested: pi.amount,
    created: now,
    currency: pi.currency,
    invoice: invoice.id,
    is_default: true,
    livemode: false,
    payment: { payment_intent: pi.id, type: "payment_intent" },
    status: paid ? "paid" : "open",
    status_transitions: { canceled_at: null, paid_at: paid ? now : null },
  };
  emu.state.invoicePayments[payment.id] = payment;
}

/** The PaymentIntent that paid an invoice, if any. */
export function paymentIntentForInvoice(emu: Emulator, invoiceId: string): Stripe.PaymentIntent | undefined {
  const payment = Object.values(emu.state.invoicePayments).find((p) => p.invoice === invoiceId && p.status === "paid");
  const piId = payment?.payment.payment_intent;
  return typeof piId === "string" ? emu.state.paymentIntents[piId] : undefined;
}
