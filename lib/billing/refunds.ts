import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { billingPurchases } from "@/db/schema";
import { refundPurchase } from "@/lib/ledger";
import { idOf } from "./customers";
import type { BillingDeps } from "./deps";
import type { Handled } from "./invoice-events";
import { onAutoRechargePaymentIntent } from "./auto-recharge";
import { fulfilCheckoutSession } from "./checkout";
import { purchaseByPaymentIntent } from "./purchases";

/** Credits matching a refunded share of the price, rounded down (never claws back more than refunded). */
export function creditsForRefundedCents(credits: number, amountCents: number, refundedCents: number): number {
  if (amountCents <= 0) return 0;
  const share = Math.min(refundedCents, amountCents);
  return Number((BigInt(credits) * BigInt(share)) / BigInt(amountCents));
}

/**
 * charge.refunded: claws back what remains of that pack's grant, in proportion to the money
 * refunded. Reads the charge as it is now (cumulative `amount_refunded`) and remembers how much it
 * has acted on, so several partial refunds, duplicates and out-of-order events add up once.
 */
export async function onChargeRefunded(deps: Pick<BillingDeps, "db" | "stripe">, chargeId: string): Promise<Handled> {
  const charge = await deps.stripe.charges.retrieve(chargeId);
  const paymentIntentId = idOf(charge.payment_intent);
  if (!paymentIntentId) return { outcome: `charge ${chargeId}: no payment intent, not a pack` };
  await grantBeforeClawBack(deps, paymentIntentId);
  return clawBack(deps.db, paymentIntentId, charge.id, charge.amount, charge.amount_refunded);
}

/**
 * The refund may be processed before the purchase's own webhook (events are unordered): grant the
 * purchase first, from Stripe's current state, so there is something to claw back. Both steps
 * are idempotent, so the purchase's webhook arriving later changes nothing.
 */
async function grantBeforeClawBack(deps: Pick<BillingDeps, "db" | "stripe">, paymentIntentId: string) {
  const purchase = await purchaseByPaymentIntent(deps.db, paymentIntentId);
  if (purchase?.grantedAt) return;
  const sessions = await deps.stripe.checkout.sessions.list({ payment_intent: paymentIntentId, limit: 1 });
  const session = sessions.data[0];
  if (session) await fulfilCheckoutSession(deps, session.id);
  else await onAutoRechargePaymentIntent(deps, paymentIntentId);
}

async function clawBack(db: Db, paymentIntentId: string, chargeId: string, amountCents: number, refundedCents: number): Promise<Handled> {
  return db.transaction(async (tx) => {
    const [p] = await tx.select().from(billingPurchases).where(eq(billingPurchases.paymentIntentId, paymentIntentId)).for("update");
    if (!p) return { outcome: `charge ${chargeId}: not a credit pack purchase` };
    if (!p.grantedAt) return { outcome: `charge ${chargeId}: purchase ${p.id} was never granted`, accountId: p.accountId };
    if (refundedCents <= p.refundedCents) return { outcome: `charge ${chargeId}: refund of ${refundedCents} cents already applied`, accountId: p.accountId };
    const full = refundedCents >= amountCents;
    const credits = creditsForRefundedCents(p.credits, amountCents, refundedCents) - creditsForRefundedCents(p.credits, amountCents, p.refundedCents);
    const result =
      full || credits > 0
        ? await refundPurchase(tx, { sourceRef: p.id, refundRef: `refund:${chargeId}:${refundedCents}`, ...(full ? {} : { credits }) })
        : { clawedBack: 0, shortfall: 0 };
    await tx
      .update(billingPurchases)
      .set({
        refundedCents,
        clawedBackCredits: p.clawedBackCredits + result.clawedBack,
        status: full ? "refunded" : "partially_refunded",
        updatedAt: new Date(),
      })
      .where(eq(billingPurchases.id, p.id));
    return {
      outcome: `charge ${chargeId}: ${full ? "full" : "partial"} refund, clawed back ${result.clawedBack} credits (${result.shortfall} already spent)`,
      accountId: p.accountId,
    };
  });
}
