import { and, eq, sql } from "drizzle-orm";
import type { Db, Tx } from "@/db/client";
import { accounts, billingInvoices } from "@/db/schema";
import { recordAudit } from "@/lib/accounts/audit";
import { notFound } from "@/lib/errors";
import { applyAccountStanding, setPlan } from "@/lib/ledger";
import { openInvoiceCount } from "./invoices";

/**
 * The account's plan and payment standing, as Stripe last told us. The ledger keeps the payment
 * standing apart from a freeze (`account_ledger.payment_past_due`) and derives the status and
 * the overage gate from both, so the rule "no overage while past due" holds whichever changes
 * first, and a breaker or admin freeze neither erases nor invents a failed payment.
 */
async function lockLedgerRow(tx: Tx, accountId: string) {
  const rows = await tx.execute(sql`select status from account_ledger where account_id = ${accountId} for update`);
  if (!rows[0]) throw notFound("Account ledger");
}

export type PlanChange = { changed: boolean; from: string; to: string };

export async function applyPlan(db: Db, accountId: string, planKey: string): Promise<PlanChange> {
  return db.transaction(async (tx) => {
    await lockLedgerRow(tx, accountId);
    const [acc] = await tx.select({ plan: accounts.plan }).from(accounts).where(eq(accounts.id, accountId));
    const from = acc?.plan ?? "free";
    // setPlan keeps overage off while payment is past due.
    await setPlan(tx, accountId, planKey);
    if (from !== planKey) {
      await recordAudit(tx, { accountId, actorUserId: null, action: "billing.plan_changed", before: { plan: from }, after: { plan: planKey }, reason: "stripe" });
    }
    return { changed: from !== planKey, from, to: planKey };
  });
}

async function invoiceStillOpen(tx: Tx, accountId: string, invoiceId: string): Promise<boolean> {
  const [row] = await tx
    .select({ status: billingInvoices.status })
    .from(billingInvoices)
    .where(and(eq(billingInvoices.accountId, accountId), eq(billingInvoices.id, invoiceId)));
  return row?.status === "open";
}

/**
 * past_due ⇄ paid up, driven by invoice payment, decided under the ledger row lock from the
 * mirrored invoice states (which only move forward, see mirrorInvoice): past_due only while
 * `invoiceId` is still open, paid up only when no invoice is open. Concurrent handlers of a late
 * payment_failed and an invoice.paid therefore agree whatever order they commit in. A frozen
 * account stays frozen but its standing is recorded, so unfreezing lands on the right status.
 * Returns whether the payment standing changed.
 */
export async function setPaymentStanding(db: Db, accountId: string, standing: "past_due" | "active", reason: string, invoiceId?: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    await lockLedgerRow(tx, accountId);
    if (standing === "past_due" && invoiceId && !(await invoiceStillOpen(tx, accountId, invoiceId))) return false;
    if (standing === "active" && (await openInvoiceCount(tx, accountId)) > 0) return false;
    const { before, after } = await applyAccountStanding(tx, accountId, { paymentPastDue: standing === "past_due" }, reason);
    if (before.paymentPastDue === after.paymentPastDue) return false;
    await recordAudit(tx, {
      accountId,
      actorUserId: null,
      action: "billing.payment_standing",
      before: { status: before.status, paymentPastDue: before.paymentPastDue },
      after: { status: after.status, paymentPastDue: after.paymentPastDue },
      reason,
    });
    return true;
  });
}
