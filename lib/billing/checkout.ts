import type Stripe from "stripe";
import type { AccountContext } from "@/lib/accounts/roles";
import { findPack } from "@/lib/config/catalog";
import { AppError } from "@/lib/errors";
import { getBalance } from "@/lib/ledger";
import { ensureStripeCustomer, idOf } from "./customers";
import type { BillingDeps } from "./deps";
import { packPriceId } from "./prices";
import { fulfilPurchase, getPurchase, recordPendingPurchase, type FulfilResult } from "./purchases";

export const PACK_METADATA_KIND = "credit_pack";

/**
 * Starts a pack purchase: a Checkout Session in `payment` mode for the account's customer (created
 * on demand). The card is saved for off-session use so auto-recharge can use it later.
 */
export async function createPackCheckout(deps: BillingDeps, actor: AccountContext, packKey: string): Promise<{ url: string; sessionId: string }> {
  const pack = findPack(packKey);
  if (!pack) throw new AppError("invalid_input", `Unknown credit pack "${packKey}"`);
  const customer = await ensureStripeCustomer(deps.db, deps.stripe, actor.accountId, { testClock: deps.testClocks });
  const price = await packPriceId(deps.stripe, pack);
  const metadata = { account_id: actor.accountId, kind: PACK_METADATA_KIND, pack_key: pack.key, user_id: actor.userId };
  const session = await deps.stripe.checkout.sessions.create({
    mode: "payment",
    customer,
    client_reference_id: actor.accountId,
    line_items: [{ price, quantity: 1 }],
    metadata,
    payment_intent_data: { setup_future_usage: "off_session", metadata },
    success_url: `${deps.appUrl}/settings/billing/success?session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: `${deps.appUrl}/settings/billing?checkout=canceled`,
  });
  if (!session.url) throw new AppError("upstream_failed", "Stripe did not return a checkout page");
  await recordPendingPurchase(deps.db, { id: session.id, accountId: actor.accountId, kind: "checkout", pack });
  return { url: session.url, sessionId: session.id };
}

/** A session has money for us once paid; `no_payment_required` never applies to packs. */
export const isCheckoutPaid = (s: Pick<Stripe.Checkout.Session, "status" | "payment_status">) => s.status === "complete" && s.payment_status === "paid";

/**
 * Grants a pack checkout if Stripe says it is paid. Reads the session from Stripe (the current
 * state), so it does not matter which event, or the success page, gets here first.
 */
export async function fulfilCheckoutSession(deps: Pick<BillingDeps, "db" | "stripe">, sessionId: string): Promise<FulfilResult | { outcome: "not_paid" }> {
  const session = await deps.stripe.checkout.sessions.retrieve(sessionId);
  if (!isCheckoutPaid(session)) return { outcome: "not_paid" };
  return fulfilPurchase(deps.db, { purchaseId: session.id, paymentIntentId: idOf(session.payment_intent), amountPaidCents: session.amount_total });
}

export type CheckoutStatus = { status: "pending" | "granted" | "failed"; credits: number; availableCredits: number };

/**
 * What the success page polls. If the webhook has not arrived yet it asks Stripe itself, so the
 * page shows the new balance whichever comes first.
 */
export async function checkoutStatus(deps: Pick<BillingDeps, "db" | "stripe">, accountId: string, sessionId: string): Promise<CheckoutStatus> {
  let purchase = await getPurchase(deps.db, accountId, sessionId);
  if (!purchase) throw new AppError("not_found", "Checkout not found");
  if (purchase.status === "pending") {
    await fulfilCheckoutSession(deps, sessionId);
    purchase = (await getPurchase(deps.db, accountId, sessionId)) ?? purchase;
  }
  const balance = await getBalance(deps.db, accountId);
  const status = purchase.grantedAt ? "granted" : purchase.status === "failed" ? "failed" : "pending";
  return { status, credits: purchase.credits, availableCredits: balance.availableCredits };
}
