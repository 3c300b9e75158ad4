import type { Emulator } from "../core";
import { invalidRequest } from "../server/errors";
import { matchesRange, paginate } from "../server/list";
import { applyMetadata } from "../server/params";
import type { Route } from "../server/router";
import { attemptInvoicePayment, finalizeInvoice } from "../billing/invoicing";
import { checkMetadata, getOr404 } from "./common";
import { cardError } from "./paymentMethods";

function getInvoice(emu: Emulator, id: string) {
  return getOr404(emu.state.invoices, id, "invoice");
}

export function invoicePaymentsOf(emu: Emulator, invoiceId: string) {
  return Object.values(emu.state.invoicePayments).filter((p) => p.invoice === invoiceId);
}

export const invoiceRoutes: Route[] = [
  {
    method: "GET",
    pattern: "/v1/invoice_payments",
    handler: ({ emu, params }) => {
      const invoice = params.string("invoice");
      const pi = params.object("payment")?.string("payment_intent");
      const items = Object.values(emu.state.invoicePayments).filter((p) => (invoice === undefined || p.invoice === invoice) && (pi === undefined || p.payment.payment_intent === pi));
      return paginate(items, params, "/v1/invoice_payments");
    },
  },
  { method: "GET", pattern: "/v1/invoice_payments/:id", handler: ({ emu, path }) => getOr404(emu.state.invoicePayments, path.id ?? "", "invoice_payment") },
  { method: "GET", pattern: "/v1/invoices/:id", handler: ({ emu, path }) => getInvoice(emu, path.id ?? "") },
  {
    method: "GET",
    pattern: "/v1/invoices",
    handler: ({ emu, params }) => {
      const customer = params.string("customer");
      const subscription = params.string("subscription");
      const status = params.string("status");
      const items = Object.values(emu.state.invoices).filter(
        (i) =>
          (customer === undefined || i.customer === customer) &&
          (subscription === undefined || i.parent?.subscription_details?.subscription === subscription) &&
          (status === undefined || i.status === status) &&
          matchesRange(i.created, params, "created"),
      );
      return paginate(items, params, "/v1/invoices");
    },
  },
  {
    method: "GET",
    pattern: "/v1/invoices/:id/lines",
    handler: ({ emu, params, path }) => {
      const invoice = getInvoice(emu, path.id ?? "");
      return paginate(invoice.lines.data, params, `/v1/invoices/${invoice.id}/lines`, true);
    },
  },
  {
    method: "POST",
    pattern: "/v1/invoices/:id",
    handler: ({ emu, params, path }) => {
      const invoice = getInvoice(emu, path.id ?? "");
      return emu.update(invoice, "invoice.updated", invoice.customer as string, (i) => {
        if (params.has("metadata")) i.metadata = checkMetadata(applyMetadata(i.metadata, params.metadataPatch()));
        if (params.has("description")) i.description = params.nullableString("description") ?? null;
        if (params.has("auto_advance")) {
          if (i.status !== "draft") throw invalidRequest("auto_advance can only be changed on draft invoices in the emulator.", { param: "auto_advance" });
          i.auto_advance = params.bool("auto_advance") ?? true;
        }
      });
    },
  },
  {
    method: "POST",
    pattern: "/v1/invoices/:id/finalize",
    handler: ({ emu, params, path }) => {
      const invoice = getInvoice(emu, path.id ?? "");
      if (params.has("auto_advance")) invoice.auto_advance = params.bool("auto_advance") ?? true;
      // Explicit finalization only opens the invoice; payment is `invoices.pay`
      // (automatic finalization by the clock also attempts payment).
      return finalizeInvoice(emu, invoice);
    },
  },
  {
    method: "POST",
    pattern: "/v1/invoices/:id/pay",
    handler: ({ emu, params, path }) => {
      const invoice = getInvoice(emu, path.id ?? "");
      if (invoice.status === "paid") throw invalidRequest("Invoice is already paid", { code: "invoice_already_paid" as string });
      if (invoice.status === "void" || invoice.status === "uncollectible") throw invalidRequest(`You cannot pay an invoice with status ${invoice.status}.`, { code: "invoice_not_editable" });
      if (invoice.status === "draft") finalizeInvoice(emu, invoice);
      if (invoice.status === "paid") return invoice;
      if (params.bool("paid_out_of_band")) {
        invoice.status = "paid";
        invoice.amount_remaining = 0;
        invoice.status_transitions.paid_at = emu.clock.nowFor(invoice.customer as string);
        emu.emit("invoice.paid", invoice, invoice.customer as string);
        return invoice;
      }
      const attempt = attemptInvoicePayment(emu, invoice, params.string("payment_method") ?? null);
      if (attempt.failure) {
        if (!attempt.paymentIntent) throw invalidRequest(attempt.failure.message, { code: attempt.failure.code });
        const charge = attempt.paymentIntent.latest_charge as string;
        const behaviour = emu.state.internalCards[attempt.paymentIntent.payment_method as string]?.charge ?? "generic_decline";
        throw cardError(behaviour, { charge, paymentIntent: attempt.paymentIntent });
      }
      return invoice;
    },
  },
  {
    method: "POST",
    pattern: "/v1/invoices/:id/void",
    handler: ({ emu, path }) => {
      const invoice = getInvoice(emu, path.id ?? "");
      if (invoice.status !== "open") throw invalidRequest(`You can only void open invoices (this one is ${invoice.status}).`, { code: "invoice_not_editable" });
      invoice.status = "void";
      invoice.amount_remaining = 0;
      invoice.status_transitions.voided_at = emu.clock.nowFor(invoice.customer as string);
      emu.emit("invoice.voided", invoice, invoice.customer as string);
      return invoice;
    },
  },
];
