import type { Db } from "@/db/client";
import { catalog, getPlanOrThrow } from "@/lib/config/catalog";
import { getBalance } from "@/lib/ledger";
import { getAutoRecharge } from "./auto-recharge";
import { customerIdForAccount } from "./customers";
import { listInvoices } from "./invoices";
import { listPurchases } from "./purchases";
import { liveSubscription } from "./subscription-sync";

/** Everything the billing page and `GET /api/v1/billing` show, from the database only (no Stripe call). */
export async function getBillingOverview(db: Db, accountId: string) {
  const [balance, subscription, invoices, purchases, autoRecharge, customerId] = await Promise.all([
    getBalance(db, accountId),
    liveSubscription(db, accountId),
    listInvoices(db, accountId),
    listPurchases(db, accountId),
    getAutoRecharge(db, accountId),
    customerIdForAccount(db, accountId),
  ]);
  const plan = getPlanOrThrow(subscription?.plan ?? "free");
  return {
    plan: {
      key: plan.key,
      name: plan.name,
      includedCredits: plan.includedCredits,
      overageAllowed: plan.overageAllowed,
      monthlyPriceCents: plan.stripe?.monthlyPriceCents ?? 0,
    },
    status: balance.status,
    balance: { availableCredits: balance.availableCredits, heldCredits: balance.heldCredits, overageUsedCredits: balance.overage.usedCredits, period: balance.period },
    subscription: subscription && {
      id: subscription.id,
      status: subscription.status,
      plan: subscription.plan,
      currentPeriodStart: subscription.currentPeriodStart,
      currentPeriodEnd: subscription.currentPeriodEnd,
      cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
    },
    hasStripeCustomer: customerId !== null,
    invoices: invoices.map((i) => ({
      id: i.id,
      number: i.number,
      status: i.status,
      totalCents: i.totalCents,
      currency: i.currency,
      periodStart: i.periodStart,
      periodEnd: i.periodEnd,
      url: i.hostedInvoiceUrl,
      lines: i.lines,
    })),
    purchases: purchases.map((p) => ({ id: p.id, kind: p.kind, packKey: p.packKey, credits: p.credits, amountCents: p.amountCents, status: p.status, createdAt: p.createdAt })),
    autoRecharge,
    catalog: { packs: catalog.packs, plans: Object.values(catalog.plans), enterprise: catalog.enterprise, creditRatio: catalog.creditRatio },
  };
}

export type BillingOverview = Awaited<ReturnType<typeof getBillingOverview>>;
