import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import type { Db } from "@/db/client";
import { invoiceFlags } from "@/db/schema";
import { recordAudit } from "@/lib/accounts/audit";
import type { PlatformAdmin } from "@/lib/admin/authz";
import { accountIdForCustomer } from "@/lib/billing/customers";
import { AppError } from "@/lib/errors";

export type InvoiceCredit = { kind: "balance_transaction" | "credit_note"; ref: string; amountCents: number; invoiceStatus: string };

const idOf = (v: string | { id: string } | null | undefined) => (typeof v === "string" ? v : (v?.id ?? null));

/**
 * A credit on a customer's invoice, from the console. A draft cannot carry a credit note yet, so
 * the credit goes on the customer's balance (Stripe applies it when the draft is finalized); an
 * open or paid invoice gets a credit note (paid: credited to the customer's balance). The Stripe
 * call is idempotent on (invoice, amount, reason), so a double submit credits once; the flag is
 * resolved and the action audited.
 */
export async function applyInvoiceCredit(
  deps: { db: Db; stripe: Stripe },
  admin: PlatformAdmin,
  input: { accountId: string; invoiceId: string; amountCents: number; reason: string },
): Promise<InvoiceCredit> {
  if (!Number.isSafeInteger(input.amountCents) || input.amountCents <= 0) throw new AppError("invalid_input", "The credit must be a positive whole number of cents");
  const invoice = await deps.stripe.invoices.retrieve(input.invoiceId);
  const customerId = idOf(invoice.customer);
  if (!customerId || (await accountIdForCustomer(deps.db, customerId)) !== input.accountId) throw new AppError("not_found", "Invoice not found for this account");
  if (input.amountCents > invoice.total) throw new AppError("invalid_input", `The credit cannot exceed the invoice total (${invoice.total} cents)`);
  const idempotencyKey = `ml-credit-${createHash("sha256").update(`${input.invoiceId}|${input.amountCents}|${input.reason}`).digest("hex").slice(0, 32)}`;
  const description = `Credit on ${invoice.number ?? invoice.id}: ${input.reason}`.slice(0, 350);

  let credit: InvoiceCredit;
  if (invoice.status === "draft") {
    const txn = await deps.stripe.customers.createBalanceTransaction(customerId, { amount: -input.amountCents, currency: invoice.currency, description }, { idempotencyKey });
    credit = { kind: "balance_transaction", ref: txn.id, amountCents: input.amountCents, invoiceStatus: "draft" };
  } else if (invoice.status === "open" || invoice.status === "paid") {
    const note = await deps.stripe.creditNotes.create(
      {
        invoice: invoice.id!,
        lines: [{ type: "custom_line_item", unit_amount: input.amountCents, quantity: 1, description }],
        memo: description,
        ...(invoice.status === "paid" ? { credit_amount: input.amountCents } : {}),
      },
      { idempotencyKey },
    );
    credit = { kind: "credit_note", ref: note.id, amountCents: input.amountCents, invoiceStatus: invoice.status };
  } else {
    throw new AppError("conflict", `A ${invoice.status} invoice cannot be credited`);
  }

  await deps.db.transaction(async (tx) => {
    await tx
      .update(invoiceFlags)
      .set({ status: "credited", creditCents: input.amountCents, creditRef: credit.ref, resolvedByUserId: admin.userId, resolvedAt: new Date(), updatedAt: new Date() })
      .where(eq(invoiceFlags.invoiceId, input.invoiceId));
    await recordAudit(tx, {
      accountId: input.accountId,
      actorUserId: admin.userId,
      action: "admin.invoice_credited",
      targetType: "invoice",
      targetId: input.invoiceId,
      after: credit,
      reason: input.reason,
    });
  });
  return credit;
}
