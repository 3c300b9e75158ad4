import { and, desc, eq, lt, ne, notInArray } from "drizzle-orm";
import type Stripe from "stripe";
import type { Db } from "@/db/client";
import { billingInvoices, invoiceFlags } from "@/db/schema";
import { newId } from "@/lib/ids";
import { notify } from "@/lib/notifications";
import { getProtectionConfig } from "../config";
import { increaseBps, isInvoiceSpike } from "./predicate";

export type GuardOutcome = { flagged: boolean; flagId?: string; reason: string };

const idOf = (v: string | { id: string } | null | undefined) => (typeof v === "string" ? v : (v?.id ?? null));

/**
 * The invoice spike guard, for a new (draft) invoice of one of our accounts, already mirrored by
 * billing: compared with the account's previous invoice (the latest earlier one that is not a
 * draft or void, with a total above zero), more than 50% above it → flagged once, with its line
 * breakdown, and platform admins are alerted so a credit can go on before it is sent.
 */
export async function guardInvoice(db: Db, accountId: string, invoice: Stripe.Invoice): Promise<GuardOutcome> {
  if (!invoice.id) return { flagged: false, reason: "no invoice id" };
  const [previous] = await db
    .select()
    .from(billingInvoices)
    .where(
      and(
        eq(billingInvoices.accountId, accountId),
        ne(billingInvoices.id, invoice.id),
        lt(billingInvoices.stripeCreatedAt, new Date(invoice.created * 1000)),
        notInArray(billingInvoices.status, ["draft", "void"]),
      ),
    )
    .orderBy(desc(billingInvoices.stripeCreatedAt))
    .limit(1);
  if (!previous || previous.totalCents <= 0) return { flagged: false, reason: "no previous invoice to compare with" };
  const percent = getProtectionConfig().spikeGuardPercent;
  const bps = increaseBps(invoice.total, previous.totalCents);
  if (!isInvoiceSpike(invoice.total, previous.totalCents, percent)) return { flagged: false, reason: `+${bps / 100}% on the previous invoice: within ${percent}%` };

  const breakdown = invoice.lines.data.map((l) => ({ description: l.description ?? "(line)", amountCents: l.amount, quantity: l.quantity ?? null }));
  const [flag] = await db
    .insert(invoiceFlags)
    .values({
      id: newId("flag"),
      accountId,
      invoiceId: invoice.id,
      customerId: idOf(invoice.customer) ?? "",
      currency: invoice.currency,
      totalCents: invoice.total,
      previousInvoiceId: previous.id,
      previousTotalCents: previous.totalCents,
      increaseBps: bps,
      breakdown,
    })
    .onConflictDoNothing()
    .returning({ id: invoiceFlags.id });
  if (!flag) return { flagged: true, reason: "already flagged" };
  const money = (c: number) => `${(c / 100).toFixed(2)} ${invoice.currency.toUpperCase()}`;
  await notify(db, {
    accountId,
    kind: "invoice_flagged",
    threshold: percent,
    periodKey: invoice.id,
    title: `Invoice spike: +${(bps / 100).toFixed(0)}% (${money(invoice.total)} vs ${money(previous.totalCents)})`,
    body: `Invoice ${invoice.id} for account ${accountId} is ${money(invoice.total)}, +${(bps / 100).toFixed(1)}% on the previous ${money(previous.totalCents)}. Lines: ${breakdown.map((b) => `${b.description} ${money(b.amountCents)}`).join("; ")}. Apply a credit from the console before it is finalized if needed.`,
    link: `/admin/customers/${accountId}`,
    details: { flagId: flag.id, invoiceId: invoice.id, totalCents: invoice.total, previousTotalCents: previous.totalCents, increaseBps: bps },
  });
  return { flagged: true, flagId: flag.id, reason: `+${bps / 100}% on the previous invoice` };
}
