import { and, desc, eq, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { billingPurchases, type PurchaseKind } from "@/db/schema";
import type { CreditPack } from "@/lib/config/catalog";
import { grant } from "@/lib/ledger";

/** Records a purchase before the customer pays, so the webhook grants what was sold, not what it is told. */
export async function recordPendingPurchase(db: DbOrTx, p: { id: string; accountId: string; kind: PurchaseKind; pack: CreditPack; paymentIntentId?: string | null }) {
  await db
    .insert(billingPurchases)
    .values({
      id: p.id,
      accountId: p.accountId,
      kind: p.kind,
      packKey: p.pack.key,
      credits: p.pack.credits,
      amountCents: p.pack.priceCents,
      paymentIntentId: p.paymentIntentId ?? null,
      status: "pending",
    })
    .onConflictDoNothing();
}

export type FulfilResult = { outcome: "granted" | "already_granted" | "unknown_purchase"; accountId?: string; credits?: number };

/**
 * Grants a paid pack exactly once: the purchase row is locked and the grant is unique on the
 * purchase id (the ledger's sourceRef), so webhooks, the success page and retries can all call it.
 */
export async function fulfilPurchase(db: Db, input: { purchaseId: string; paymentIntentId: string | null; amountPaidCents: number | null }): Promise<FulfilResult> {
  return db.transaction(async (tx) => {
    const [p] = await tx.select().from(billingPurchases).where(eq(billingPurchases.id, input.purchaseId)).for("update");
    if (!p) return { outcome: "unknown_purchase" };
    const g = await grant(tx, {
      accountId: p.accountId,
      kind: "purchase",
      credits: p.credits,
      sourceRef: p.id,
      amountCents: input.amountPaidCents ?? p.amountCents,
      reason: `credit pack ${p.packKey}`,
    });
    if (!p.grantedAt) {
      await tx
        .update(billingPurchases)
        .set({ status: "paid", grantedAt: new Date(), paymentIntentId: input.paymentIntentId ?? p.paymentIntentId, updatedAt: new Date() })
        .where(eq(billingPurchases.id, p.id));
    }
    return { outcome: g.created ? "granted" : "already_granted", accountId: p.accountId, credits: p.credits };
  });
}

export async function markPurchaseFailed(db: DbOrTx, purchaseId: string) {
  await db
    .update(billingPurchases)
    .set({ status: "failed", updatedAt: new Date() })
    .where(and(eq(billingPurchases.id, purchaseId), eq(billingPurchases.status, "pending")));
}

export async function getPurchase(db: DbOrTx, accountId: string, purchaseId: string) {
  const [p] = await db.select().from(billingPurchases).where(and(eq(billingPurchases.accountId, accountId), eq(billingPurchases.id, purchaseId)));
  return p ?? null;
}

export async function listPurchases(db: DbOrTx, accountId: string, limit = 20) {
  return db.select().from(billingPurchases).where(eq(billingPurchases.accountId, accountId)).orderBy(desc(billingPurchases.createdAt)).limit(limit);
}

export async function purchaseByPaymentIntent(db: DbOrTx, paymentIntentId: string) {
  const [p] = await db.select().from(billingPurchases).where(eq(billingPurchases.paymentIntentId, paymentIntentId));
  return p ?? null;
}

export const countGrantedPurchases = (db: DbOrTx, accountId: string) =>
  db
    .select({ n: sql<number>`count(*)::int` })
    .from(billingPurchases)
    .where(and(eq(billingPurchases.accountId, accountId), sql`${billingPurchases.grantedAt} is not null`));
