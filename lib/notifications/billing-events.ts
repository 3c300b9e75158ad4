import type { Db } from "@/db/client";
import { notifyInBackground } from "./notify";

/**
 * Billing's two notification hooks. Both fire and forget: a webhook or a job never waits for a
 * channel, and a replayed event cannot notify twice (dedupe on the invoice / payment intent).
 */
export function notifyPaymentFailed(db: Db, input: { accountId: string; invoiceId: string; invoiceNumber: string | null; amountDueCents: number; currency: string }): void {
  const amount = `${(input.amountDueCents / 100).toFixed(2)} ${input.currency.toUpperCase()}`;
  notifyInBackground(db, {
    accountId: input.accountId,
    kind: "payment_failed",
    threshold: 0,
    periodKey: input.invoiceId,
    title: "Payment failed",
    body: `The payment of invoice ${input.invoiceNumber ?? input.invoiceId} (${amount}) failed. Overage is paused until it is paid; update the card on the billing page.`,
    link: "/settings/billing",
    details: { invoiceId: input.invoiceId, amountDueCents: input.amountDueCents },
  });
}

export function notifyAutoRechargeFailed(db: Db, input: { accountId: string; reference: string; message: string }): void {
  notifyInBackground(db, {
    accountId: input.accountId,
    kind: "auto_recharge_failed",
    threshold: 0,
    periodKey: input.reference,
    title: "Auto-recharge failed",
    body: input.message,
    link: "/settings/billing",
    details: { reference: input.reference },
  });
}
