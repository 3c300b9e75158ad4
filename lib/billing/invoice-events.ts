import type Stripe from "stripe";
import { startPeriod } from "@/lib/ledger";
import { notifyPaymentFailed } from "@/lib/notifications/billing-events";
import { setPaymentStanding } from "./account-state";
import type { BillingDeps } from "./deps";
import { invoiceSubscriptionId, mirrorInvoice } from "./invoices";
import { overagePriceIds } from "./prices";
import { subscriptionPeriod, syncSubscription } from "./subscription-sync";

type Deps = Pick<BillingDeps, "db" | "stripe">;
export type Handled = { outcome: string; accountId?: string | null };

/** Reasons for which a paid invoice opens a new allowance period. */
const PERIOD_REASONS = new Set<Stripe.Invoice.BillingReason>(["subscription_create", "subscription_cycle"]);

/**
 * invoice.paid: mirror it; for a subscription invoice, sync the plan and start the subscription's
 * current period (the allowance grant, expiring at its end; idempotent per period start); and, if
 * no invoice is left open, lift past_due.
 */
export async function onInvoicePaid(deps: Deps, invoiceId: string): Promise<Handled> {
  const invoice = await deps.stripe.invoices.retrieve(invoiceId);
  const accountId = await mirrorInvoice(deps.db, invoice, await overagePriceIds(deps.stripe));
  if (!accountId) return { outcome: `invoice ${invoiceId}: not one of ours` };
  const parts = [`invoice ${invoiceId} ${invoice.status}`];
  const subscriptionId = invoiceSubscriptionId(invoice);
  if (subscriptionId && invoice.status === "paid") {
    const sync = await syncSubscription(deps, subscriptionId);
    parts.push(`plan ${sync.plan}`);
    if (invoice.billing_reason && PERIOD_REASONS.has(invoice.billing_reason) && sync.plan !== "free") {
      const sub = await deps.stripe.subscriptions.retrieve(subscriptionId);
      const period = subscriptionPeriod(sub);
      const { started } = await startPeriod(deps.db, accountId, period);
      parts.push(started ? `period ${period.start.toISOString()} started` : "period already started");
    }
  }
  if (invoice.status === "paid") {
    // Lifted only if no mirrored invoice is open, decided under the ledger lock.
    if (await setPaymentStanding(deps.db, accountId, "active", `invoice ${invoiceId} paid`)) parts.push("account restored to active");
  }
  return { outcome: parts.join("; "), accountId };
}

/**
 * invoice.payment_failed: past due, unless the invoice has been paid since (the events may
 * arrive in any order, so the invoice is read as it is now).
 */
export async function onInvoicePaymentFailed(deps: Deps, invoiceId: string): Promise<Handled> {
  const invoice = await deps.stripe.invoices.retrieve(invoiceId);
  const accountId = await mirrorInvoice(deps.db, invoice, await overagePriceIds(deps.stripe));
  if (!accountId) return { outcome: `invoice ${invoiceId}: not one of ours` };
  if (invoice.status !== "open") return { outcome: `invoice ${invoiceId} is ${invoice.status} now: nothing to do`, accountId };
  const changed = await setPaymentStanding(deps.db, accountId, "past_due", `invoice ${invoice.number ?? invoiceId} payment failed`, invoiceId);
  notifyPaymentFailed(deps.db, { accountId, invoiceId, invoiceNumber: invoice.number, amountDueCents: invoice.amount_due, currency: invoice.currency }); // notifications hook
  return { outcome: changed ? `account ${accountId} past due (invoice ${invoiceId})` : `account ${accountId} already past due, or invoice ${invoiceId} no longer open`, accountId };
}

/**
 * Any other invoice event: keep the billing history current. A voided invoice is no longer owed,
 * so if it was the last open one the account is no longer past due.
 */
export async function onInvoiceChanged(deps: Deps, invoiceId: string): Promise<Handled> {
  const invoice = await deps.stripe.invoices.retrieve(invoiceId);
  const accountId = await mirrorInvoice(deps.db, invoice, await overagePriceIds(deps.stripe));
  if (!accountId) return { outcome: `invoice ${invoiceId}: not one of ours` };
  let restored = false;
  if (invoice.status === "void") {
    restored = await setPaymentStanding(deps.db, accountId, "active", `invoice ${invoiceId} voided`);
  }
  return { outcome: `invoice ${invoiceId} mirrored (${invoice.status})${restored ? "; account restored to active" : ""}`, accountId };
}
