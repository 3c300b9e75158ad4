import type { Plan } from "@/lib/config/catalog";

const DAY_MS = 86_400_000;

/**
 * Overage credits → cents at the plan's exact Stripe price, rounded half-up to the cent as Stripe
 * rounds a metered line (80,464 credits at $0.00001 → $0.80 on the invoice), so the usage page
 * and the invoice agree.
 */
export function overageCents(plan: Plan, credits: number): number {
  if (!plan.stripe || credits <= 0) return 0;
  const { centsPerUnit, unitCredits } = plan.stripe.overage;
  return Math.round((credits * centsPerUnit) / unitCredits);
}

export type Projection = {
  /** Credits the period will have used at the current daily rate. */
  projectedCredits: number;
  /** Of which beyond every grant (postpaid overage, on plans that allow it). */
  projectedOverageCredits: number;
  /** Flat plan fee + projected overage, in cents. */
  projectedCents: number;
  projectedOverageCents: number;
  /** Credits the account would need beyond what it holds, on plans without overage. */
  projectedShortfallCredits: number;
  daysElapsed: number;
  daysLeft: number;
};

/**
 * Straight-line projection: the average daily usage so far, continued to the period end. Future
 * usage is paid from the credits still available first; what remains is overage (Pro) or a
 * shortfall (Free, where requests would be refused).
 */
export function projectPeriod(input: {
  plan: Plan;
  usedCredits: number;
  overageUsedCredits: number;
  availableCredits: number;
  /** Overage stops here (hard limit in credits, or 0 when overage is blocked); null = uncapped. */
  overageCapCredits: number | null;
  periodStart: Date;
  periodEnd: Date;
  now: Date;
}): Projection {
  const { plan, periodStart, periodEnd, now } = input;
  const totalMs = Math.max(periodEnd.getTime() - periodStart.getTime(), DAY_MS);
  // At least one day elapsed, so a fresh period's first request does not project to infinity.
  const elapsedMs = Math.min(Math.max(now.getTime() - periodStart.getTime(), DAY_MS), totalMs);
  const projectedCredits = Math.round((input.usedCredits * totalMs) / elapsedMs);
  const futureCredits = Math.max(projectedCredits - input.usedCredits, 0);
  const beyondGrants = Math.max(futureCredits - Math.max(input.availableCredits, 0), 0);
  const uncapped = input.overageUsedCredits + beyondGrants;
  // A hard limit (or the block switch) stops overage: never project past it, nor below what is already used.
  const capped = input.overageCapCredits === null ? uncapped : Math.min(uncapped, Math.max(input.overageCapCredits, input.overageUsedCredits));
  const projectedOverageCredits = plan.overageAllowed ? capped : 0;
  const projectedOverageCents = overageCents(plan, projectedOverageCredits);
  return {
    projectedCredits,
    projectedOverageCredits,
    projectedOverageCents,
    projectedCents: (plan.stripe?.monthlyPriceCents ?? 0) + projectedOverageCents,
    projectedShortfallCredits: plan.overageAllowed ? 0 : beyondGrants,
    daysElapsed: Math.floor(Math.max(now.getTime() - periodStart.getTime(), 0) / DAY_MS),
    daysLeft: Math.max(Math.ceil((periodEnd.getTime() - now.getTime()) / DAY_MS), 0),
  };
}
