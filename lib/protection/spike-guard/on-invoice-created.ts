import type Stripe from "stripe";
import type { Db } from "@/db/client";
import { mirrorInvoice } from "@/lib/billing/invoices";
import { overagePriceIds } from "@/lib/billing/prices";
import { guardInvoice } from "./guard";

type Deps = { db: Db; stripe: Stripe };

/**
 * Webhook handler for `invoice.created` (registered in billing's dispatcher): mirror it as billing
 * does for every invoice event, then run the spike guard while it is still a draft.
 */
export async function onInvoiceCreated(deps: Deps, event: Stripe.Event): Promise<{ outcome: string; accountId?: string | null }> {
  const invoiceId = (event.data.object as { id: string }).id;
  const invoice = await deps.stripe.invoices.retrieve(invoiceId);
  // With the overage prices, as every invoice handler mirrors: a late invoice.created (the invoice
  // paid by now) must not relabel the overage line as "plan".
  const accountId = await mirrorInvoice(deps.db, invoice, await overagePriceIds(deps.stripe));
  if (!accountId) return { outcome: `invoice ${invoiceId}: not one of ours` };
  if (invoice.status !== "draft") return { outcome: `invoice ${invoiceId} mirrored (${invoice.status}); spike guard skipped: not a draft`, accountId };
  const g = await guardInvoice(deps.db, accountId, invoice);
  return { outcome: `invoice ${invoiceId} mirrored (draft); spike guard: ${g.flagged ? "flagged" : "ok"} (${g.reason})`, accountId };
}
