import type Stripe from "stripe";
import { onAutoRechargePaymentIntent } from "../auto-recharge";
import { fulfilCheckoutSession, PACK_METADATA_KIND } from "../checkout";
import { idOf } from "../customers";
import type { BillingDeps } from "../deps";
import { onInvoiceChanged, onInvoicePaid, onInvoicePaymentFailed, type Handled } from "../invoice-events";
import { markPurchaseFailed } from "../purchases";
import { onChargeRefunded } from "../refunds";
import { syncSubscription } from "../subscription-sync";
import { onInvoiceCreated } from "@/lib/protection/spike-guard/on-invoice-created";

type Deps = Pick<BillingDeps, "db" | "stripe">;
export type EventHandler = (deps: Deps, event: Stripe.Event) => Promise<Handled>;

const objectId = (event: Stripe.Event) => (event.data.object as { id: string }).id;

/**
 * Checkout finished (or its delayed payment settled). Packs are granted if the session is paid
 * now; subscriptions are synced from the subscription itself.
 */
const onCheckoutSession: EventHandler = async (deps, event) => {
  const session = await deps.stripe.checkout.sessions.retrieve(objectId(event));
  if (session.mode === "subscription") {
    const subscriptionId = idOf(session.subscription);
    if (!subscriptionId) return { outcome: `checkout ${session.id}: no subscription yet` };
    const r = await syncSubscription(deps, subscriptionId);
    return { outcome: `checkout ${session.id}: subscription ${subscriptionId} ${r.status}, plan ${r.plan}`, accountId: r.accountId };
  }
  if (session.metadata?.kind !== PACK_METADATA_KIND) return { outcome: `checkout ${session.id}: not a credit pack` };
  const r = await fulfilCheckoutSession(deps, session.id);
  const what = r.outcome === "granted" && "credits" in r ? `granted ${r.credits} credits` : r.outcome.replace(/_/g, " ");
  return { outcome: `checkout ${session.id}: ${what}`, accountId: "accountId" in r ? r.accountId : null };
};

/** The delayed payment failed, or the page expired unpaid: the purchase will never be granted. */
const onCheckoutAsyncFailed: EventHandler = async (deps, event) => {
  await markPurchaseFailed(deps.db, objectId(event));
  return { outcome: `checkout ${objectId(event)}: ${event.type === "checkout.session.expired" ? "expired" : "payment failed"}, nothing granted` };
};

const onSubscription: EventHandler = async (deps, event) => {
  const r = await syncSubscription(deps, objectId(event));
  return { outcome: r.accountId ? `subscription ${objectId(event)} ${r.status}: account ${r.accountId} on ${r.plan}` : `subscription ${objectId(event)}: not one of ours`, accountId: r.accountId };
};

/** One handler per event type; anything else is acknowledged and ignored. */
export const handlers: Record<string, EventHandler> = {
  "checkout.session.completed": onCheckoutSession,
  "checkout.session.async_payment_succeeded": onCheckoutSession,
  "checkout.session.async_payment_failed": onCheckoutAsyncFailed,
  "checkout.session.expired": onCheckoutAsyncFailed,
  "customer.subscription.created": onSubscription,
  "customer.subscription.updated": onSubscription,
  "customer.subscription.deleted": onSubscription,
  "customer.subscription.paused": onSubscription,
  "customer.subscription.resumed": onSubscription,
  "invoice.paid": (deps, e) => onInvoicePaid(deps, objectId(e)),
  "invoice.payment_failed": (deps, e) => onInvoicePaymentFailed(deps, objectId(e)),
  "invoice.created": onInvoiceCreated, // protection hook: mirror + invoice spike guard
  "invoice.finalized": (deps, e) => onInvoiceChanged(deps, objectId(e)),
  "invoice.updated": (deps, e) => onInvoiceChanged(deps, objectId(e)),
  "invoice.voided": (deps, e) => onInvoiceChanged(deps, objectId(e)),
  "invoice.marked_uncollectible": (deps, e) => onInvoiceChanged(deps, objectId(e)),
  "charge.refunded": (deps, e) => onChargeRefunded(deps, objectId(e)),
  "payment_intent.succeeded": (deps, e) => onAutoRechargePaymentIntent(deps, objectId(e)),
  "payment_intent.payment_failed": (deps, e) => onAutoRechargePaymentIntent(deps, objectId(e)),
};
