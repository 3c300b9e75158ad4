/**
 * The product catalog a forker edits: the credit unit, what a new account gets, the plans and
 * how limits are expressed. Billing extends it with Stripe prices and credit packs.
 * Credits are integers in the product's smallest unit; money is integer cents.
 */
export type PlanKey = "free" | "pro";

export type Plan = {
  key: PlanKey;
  name: string;
  /** Credits granted at the start of every billing period (plan_allowance, expires at period end). */
  includedCredits: number;
  /** Postpaid overage after every grant is empty, reported to Stripe. */
  overageAllowed: boolean;
  /** Price of overage; 0 when overage is not allowed. */
  overagePriceCentsPer1000Credits: number;
};

export const catalog = {
  credit: { name: "credit", plural: "credits" },
  /** Free credits every new account (personal or team) gets once. */
  signupCredits: 100,
  /** Length of a billing period when billing has not set one (free accounts). */
  defaultPeriodDays: 30,
  plans: {
    free: { key: "free", name: "Free", includedCredits: 0, overageAllowed: false, overagePriceCentsPer1000Credits: 0 },
    pro: { key: "pro", name: "Pro", includedCredits: 1000, overageAllowed: true, overagePriceCentsPer1000Credits: 500 },
  } satisfies Record<PlanKey, Plan>,
  limits: {
    /** The unit of the per-period hard limit on overage: credits, or cents of overage spend. */
    hardLimitUnit: "credits" as "credits" | "cents",
  },
} as const;

export function getPlanOrThrow(key: string): Plan {
  const plan = (catalog.plans as Record<string, Plan | undefined>)[key];
  if (!plan) throw new Error(`Unknown plan "${key}" (see lib/config/catalog.ts)`);
  return plan;
}
