import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type Stripe from "stripe";
import type { DbOrTx } from "@/db/client";
import { billingSubscriptions, type SubscriptionStatus } from "@/db/schema";
import { applyPlan, type PlanChange } from "./account-state";
import { accountIdForCustomer, idOf } from "./customers";
import type { BillingDeps } from "./deps";
import { planForSubscription } from "./prices";

/** Statuses in which the customer has the plan they pay for (past_due: still theirs while Stripe retries). */
export const LIVE_STATUSES: SubscriptionStatus[] = ["active", "trialing", "past_due"];
export const isLive = (status: string) => (LIVE_STATUSES as string[]).includes(status);

/** The period of a subscription: its items' period (Stripe moved it from the subscription to the items). */
export function subscriptionPeriod(sub: Stripe.Subscription): { start: Date; end: Date } {
  const item = sub.items.data[0];
  if (!item) throw new Error(`Subscription ${sub.id} has no items`);
  return { start: new Date(item.current_period_start * 1000), end: new Date(item.current_period_end * 1000) };
}

/** Statuses a subscription never leaves. */
const TERMINAL_STATUSES = sql.raw(`('canceled', 'incomplete_expired')`);
/**
 * Handlers run concurrently and each writes what it fetched, so a slow one may hold an older read
 * than what is mirrored: it must not move the period back or revive an ended subscription.
 */
const NOT_OLDER_THAN_MIRROR = sql`excluded.current_period_start >= "billing_subscriptions"."current_period_start"
  and not ("billing_subscriptions"."status" in ${TERMINAL_STATUSES} and excluded.status not in ${TERMINAL_STATUSES})`;

export type SyncResult = { accountId: string | null; status: string; plan: string; planChange?: PlanChange };

/**
 * Reads the subscription from Stripe and makes the app agree: the mirror row, then the account's
 * plan from the account's live subscription (free when none). Safe to run for any event, any
 * number of times, in any order.
 */
export async function syncSubscription(deps: Pick<BillingDeps, "db" | "stripe">, subscriptionId: string): Promise<SyncResult> {
  const sub = await deps.stripe.subscriptions.retrieve(subscriptionId);
  const customerId = idOf(sub.customer)!;
  const accountId = sub.metadata?.account_id ?? (await accountIdForCustomer(deps.db, customerId));
  const plan = planForSubscription(sub);
  if (!accountId || !plan) return { accountId: null, status: sub.status, plan: "unknown" };
  const period = subscriptionPeriod(sub);
  const values = {
    accountId,
    customerId,
    status: sub.status as SubscriptionStatus,
    plan: plan.key,
    currentPeriodStart: period.start,
    currentPeriodEnd: period.end,
    cancelAtPeriodEnd: sub.cancel_at_period_end,
    canceledAt: sub.canceled_at ? new Date(sub.canceled_at * 1000) : null,
    updatedAt: new Date(),
  };
  await deps.db.insert(billingSubscriptions).values({ id: sub.id, ...values }).onConflictDoUpdate({ target: billingSubscriptions.id, set: values, where: NOT_OLDER_THAN_MIRROR });
  const live = await liveSubscription(deps.db, accountId);
  const planChange = await applyPlan(deps.db, accountId, live?.plan ?? "free");
  return { accountId, status: sub.status, plan: live?.plan ?? "free", planChange };
}

/** The account's current paid subscription, if any (newest live one). */
export async function liveSubscription(db: DbOrTx, accountId: string) {
  const [row] = await db
    .select()
    .from(billingSubscriptions)
    .where(and(eq(billingSubscriptions.accountId, accountId), inArray(billingSubscriptions.status, LIVE_STATUSES)))
    .orderBy(desc(billingSubscriptions.createdAt))
    .limit(1);
  return row ?? null;
}
