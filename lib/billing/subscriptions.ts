import type Stripe from "stripe";
import type { AccountContext } from "@/lib/accounts/roles";
import { getPlanOrThrow, type Plan } from "@/lib/config/catalog";
import { AppError } from "@/lib/errors";
import { customerIdForAccount, ensureStripeCustomer } from "./customers";
import type { BillingDeps } from "./deps";
import { planLineItems } from "./prices";
import { liveSubscription, syncSubscription, type SyncResult } from "./subscription-sync";

function paidPlanOrThrow(planKey: string): Plan {
  let plan: Plan;
  try {
    plan = getPlanOrThrow(planKey);
  } catch {
    throw new AppError("invalid_input", `Unknown plan "${planKey}"`);
  }
  if (!plan.stripe) throw new AppError("invalid_input", `The ${plan.name} plan is not a subscription`);
  return plan;
}

async function liveSubscriptionOrThrow(deps: BillingDeps, accountId: string) {
  const sub = await liveSubscription(deps.db, accountId);
  if (!sub) throw new AppError("conflict", "This account has no subscription");
  return sub;
}

/** Subscribe through Checkout (`subscription` mode): the flat price plus the metered overage price. */
export async function createSubscriptionCheckout(deps: BillingDeps, actor: AccountContext, planKey: string): Promise<{ url: string; sessionId: string }> {
  const plan = paidPlanOrThrow(planKey);
  if (await liveSubscription(deps.db, actor.accountId)) throw new AppError("conflict", "This account already has a subscription: change its plan instead");
  const customer = await ensureStripeCustomer(deps.db, deps.stripe, actor.accountId, { testClock: deps.testClocks });
  const prices = await planLineItems(deps.stripe, plan);
  const metadata = { account_id: actor.accountId, kind: "subscription", plan: plan.key, user_id: actor.userId };
  const session = await deps.stripe.checkout.sessions.create({
    mode: "subscription",
    customer,
    client_reference_id: actor.accountId,
    // A metered price takes no quantity: Stripe bills what the meter summed over the period.
    line_items: [{ price: prices.flat, quantity: 1 }, { price: prices.overage }],
    metadata,
    subscription_data: { metadata },
    success_url: `${deps.appUrl}/settings/billing?checkout=subscribed`,
    cancel_url: `${deps.appUrl}/settings/billing?checkout=canceled`,
  });
  if (!session.url) throw new AppError("upstream_failed", "Stripe did not return a checkout page");
  return { url: session.url, sessionId: session.id };
}

/**
 * Upgrade or downgrade. To another paid plan: swap both prices on the live subscription (prorated).
 * To free: cancel at period end (the customer keeps what they paid for until then).
 */
export async function changePlan(deps: BillingDeps, actor: AccountContext, planKey: string): Promise<SyncResult> {
  const target = getPlanOrThrow(planKey);
  const current = await liveSubscriptionOrThrow(deps, actor.accountId);
  if (!target.stripe) return cancelAtPeriodEnd(deps, actor);
  if (current.plan === target.key) {
    if (current.cancelAtPeriodEnd) return resumeSubscription(deps, actor);
    throw new AppError("conflict", `Already on the ${target.name} plan`);
  }
  const sub = await deps.stripe.subscriptions.retrieve(current.id);
  const prices = await planLineItems(deps.stripe, target);
  const items: Stripe.SubscriptionUpdateParams.Item[] = sub.items.data.map((item) =>
    item.price.recurring?.usage_type === "metered" ? { id: item.id, price: prices.overage } : { id: item.id, price: prices.flat, quantity: 1 },
  );
  await deps.stripe.subscriptions.update(sub.id, { items, cancel_at_period_end: false, proration_behavior: "create_prorations", metadata: { account_id: actor.accountId, plan: target.key } });
  return syncSubscription(deps, sub.id);
}

export async function cancelAtPeriodEnd(deps: BillingDeps, actor: AccountContext): Promise<SyncResult> {
  const current = await liveSubscriptionOrThrow(deps, actor.accountId);
  await deps.stripe.subscriptions.update(current.id, { cancel_at_period_end: true });
  return syncSubscription(deps, current.id);
}

export async function resumeSubscription(deps: BillingDeps, actor: AccountContext): Promise<SyncResult> {
  const current = await liveSubscriptionOrThrow(deps, actor.accountId);
  if (!current.cancelAtPeriodEnd) throw new AppError("conflict", "The subscription is not set to cancel");
  await deps.stripe.subscriptions.update(current.id, { cancel_at_period_end: false });
  return syncSubscription(deps, current.id);
}

/** A link to Stripe's customer portal (payment methods, invoices, cancel). */
export async function createPortalLink(deps: BillingDeps, actor: AccountContext): Promise<{ url: string }> {
  const customer = (await customerIdForAccount(deps.db, actor.accountId)) ?? (await ensureStripeCustomer(deps.db, deps.stripe, actor.accountId, { testClock: deps.testClocks }));
  const session = await deps.stripe.billingPortal.sessions.create({ customer, return_url: `${deps.appUrl}/settings/billing` });
  return { url: session.url };
}
