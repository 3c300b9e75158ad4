import { and, desc, eq, sql } from "drizzle-orm";
import type Stripe from "stripe";
import type { DbOrTx } from "@/db/client";
import { billingInvoices, type InvoiceLineSummary } from "@/db/schema";
import { accountIdForCustomer, idOf } from "./customers";

/** The subscription an invoice belongs to (Stripe moved it under `parent`). */
export function invoiceSubscriptionId(invoice: Stripe.Invoice): string | null {
  return idOf(invoice.parent?.subscription_details?.subscription ?? null);
}

/**
 * The invoice's lines for billing history. A line priced with one of `overagePriceIds` (the plans'
 * metered prices) is the overage line; its quantity is credits.
 */
export function summarizeInvoiceLines(invoice: Pick<Stripe.Invoice, "lines">, overagePriceIds: ReadonlySet<string>): InvoiceLineSummary[] {
  return (invoice.lines?.data ?? []).map((line) => {
    const priceId = idOf(line.pricing?.price_details?.price ?? null);
    const kind = priceId && overagePriceIds.has(priceId) ? "overage" : line.parent?.subscription_item_details ? "plan" : "other";
    return { kind, description: line.description ?? "", quantity: line.quantity ?? null, amountCents: line.amount, periodStart: line.period?.start, periodEnd: line.period?.end };
  });
}

/**
 * How far along an invoice's life a status is. Stripe only moves an invoice forward
 * (draft → open → paid | void | uncollectible, and uncollectible → paid | void), so a fetched
 * invoice whose status ranks lower than the mirrored one is a stale read (a late handler) and
 * must not overwrite it.
 */
const STATUS_RANK_SQL = (status: unknown) =>
  sql`(case ${status} when 'draft' then 0 when 'open' then 1 when 'uncollectible' then 2 when 'paid' then 3 when 'void' then 3 else 0 end)`;

/**
 * Upserts the billing-history row from the invoice as Stripe has it now, never moving its status
 * backwards (a handler that fetched the invoice before a newer one wrote it loses). Returns the
 * account, if ours.
 */
export async function mirrorInvoice(db: DbOrTx, invoice: Stripe.Invoice, overagePriceIds: ReadonlySet<string> = new Set()): Promise<string | null> {
  if (!invoice.id) return null;
  const accountId = await accountIdForCustomer(db, idOf(invoice.customer));
  if (!accountId) return null;
  const values = {
    accountId,
    subscriptionId: invoiceSubscriptionId(invoice),
    number: invoice.number,
    status: invoice.status ?? "draft",
    currency: invoice.currency,
    totalCents: invoice.total,
    amountDueCents: invoice.amount_due,
    amountPaidCents: invoice.amount_paid,
    periodStart: new Date(invoice.period_start * 1000),
    periodEnd: new Date(invoice.period_end * 1000),
    hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
    invoicePdf: invoice.invoice_pdf ?? null,
    lines: summarizeInvoiceLines(invoice, overagePriceIds),
    stripeCreatedAt: new Date(invoice.created * 1000),
    updatedAt: new Date(),
  };
  await db.insert(billingInvoices).values({ id: invoice.id, ...values }).onConflictDoUpdate({
      target: billingInvoices.id,
      set: values,
      where: sql`${STATUS_RANK_SQL(sql.raw("excluded.status"))} >= ${STATUS_RANK_SQL(sql.raw(`"billing_invoices"."status"`))}`,
    });
  return accountId;
}

export async function listInvoices(db: DbOrTx, accountId: string, limit = 24) {
  return db.select().from(billingInvoices).where(eq(billingInvoices.accountId, accountId)).orderBy(desc(billingInvoices.stripeCreatedAt)).limit(limit);
}

export async function openInvoiceCount(db: DbOrTx, accountId: string): Promise<number> {
  const rows = await db.select({ id: billingInvoices.id }).from(billingInvoices).where(and(eq(billingInvoices.accountId, accountId), eq(billingInvoices.status, "open")));
  return rows.length;
}
