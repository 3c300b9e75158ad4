"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getDb } from "@/db/client";
import { adjustCredits, creditCustomerInvoice, resetCustomerBreaker, setCustomerLimits, setCustomerStatus } from "@/lib/admin/actions";
import { adminAction } from "@/lib/admin/http/server";
import { accountStatusSchema, adjustCreditsFormSchema, adminLimitsSchema, invoiceCreditSchema, resetBreakerSchema } from "@/lib/admin/schemas";
import { getStripe } from "@/lib/billing/stripe-client";

/** Every console action: platform admins only (anyone else: 404), a reason, an audit row. */
const target = z.object({ accountId: z.string().min(1) });
const done = (accountId: string, message: string) => {
  revalidatePath(`/admin/customers/${accountId}`);
  return { ok: true as const, message };
};

export const adjustCreditsAction = adminAction(adjustCreditsFormSchema.extend(target.shape), async ({ accountId, credits, reason, idempotencyKey }, admin) => {
  await adjustCredits(getDb(), admin, { accountId, credits, reason, idempotencyKey });
  return done(accountId, credits > 0 ? `Granted ${credits.toLocaleString("en-US")} credits` : `Deducted ${(-credits).toLocaleString("en-US")} credits`);
});

export const setLimitsAction = adminAction(adminLimitsSchema.extend(target.shape), async ({ accountId, reason, ...patch }, admin) => {
  await setCustomerLimits(getDb(), admin, { accountId, patch, reason });
  return done(accountId, "Limits updated");
});

export const setStatusAction = adminAction(accountStatusSchema.extend(target.shape), async ({ accountId, status, reason }, admin) => {
  await setCustomerStatus(getDb(), admin, { accountId, status, reason });
  return done(accountId, status === "frozen" ? "Account frozen" : "Account unfrozen");
});

export const resetBreakerAction = adminAction(resetBreakerSchema.extend(target.shape), async ({ accountId, reason }, admin) => {
  const r = await resetCustomerBreaker(getDb(), admin, { accountId, reason });
  return done(accountId, r.resumed > 0 ? `Breaker reset (${r.resumed} trip${r.resumed === 1 ? "" : "s"} resumed)` : "Breaker reset (nothing was tripped)");
});

export const invoiceCreditAction = adminAction(invoiceCreditSchema.extend(target.shape), async ({ accountId, invoiceId, amountCents, reason }, admin) => {
  const c = await creditCustomerInvoice({ db: getDb(), stripe: getStripe() }, admin, { accountId, invoiceId, amountCents, reason });
  return done(accountId, `Credited ${(amountCents / 100).toFixed(2)} (${c.kind === "credit_note" ? "credit note" : "balance credit"} ${c.ref})`);
});
