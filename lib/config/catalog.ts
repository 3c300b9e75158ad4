/**
 * The product catalog a forker edits: the credit unit, what a new account gets, the plans, the
 * credit packs and how they map to Stripe. `npm run stripe:sync` creates the Stripe products,
 * prices and meter from this file (matched by lookup key), so this is the only place prices live.
 * Credits are integers in the product's smallest unit; money is integer cents.
 */
export type PlanKey = "free" | "pro";

export type Plan = {
  key: PlanKey;
  name: string;
  /** Shown on the pricing and billing pages. */
  tagline: string;
  /** Credits granted at the start of every billing period (plan_allowance, expires at period end). */
  includedCredits: number;
  /** Postpaid overage after every grant is empty, reported to Stripe. */
  overageAllowed: boolean;
  /**
   * Price of overage per 1,000 credits in cents, as the ledger stores it (hard limits in cents,
   * the usage page's overage estimate). Integer: see `overage` below for the exact Stripe price.
   */
  overagePriceCentsPer1000Credits: number;
  /** Self-serve subscription; null = free (no Stripe subscription). */
  stripe: null | {
    /** Flat monthly fee, in cents. */
    monthlyPriceCents: number;
    /** Lookup key of the flat monthly price. */
    priceLookupKey: string;
    /** Lookup key of the metered overage price (attached to `catalog.meter`). */
    overagePriceLookupKey: string;
    /** Overage price: `centsPerUnit` cents per `unitCredits` credits (may be fractional per credit). */
    overage: { centsPerUnit: number; unitCredits: number };
  };
};

export type CreditPack = {
  key: string;
  name: string;
  credits: number;
  priceCents: number;
  /** Lookup key of the one-time Stripe price. */
  priceLookupKey: string;
};

export const catalog = {
  credit: { name: "credit", plural: "credits" },
  /** The posted ratio: what one credit buys. The gateway's price book charges in this unit. */
  creditRatio: "1 credit = 1 token of the standard model",
  currency: "usd",
  /** Free credits every new account (personal or team) gets once. */
  signupCredits: 100_000,
  /**
   * Credits a free account gets every month (a plan_allowance grant that expires at the end of
   * its month, granted by the monthly job). 0 = none: free accounts live on the signup grant.
   */
  freeMonthlyCredits: 0,
  /** Length of a billing period when billing has not set one (free accounts). */
  defaultPeriodDays: 30,
  plans: {
    free: {
      key: "free",
      name: "Free",
      tagline: "Signup credits, a hard cap, no overage",
      includedCredits: 0,
      overageAllowed: false,
      overagePriceCentsPer1000Credits: 0,
      stripe: null,
    },
    pro: {
      key: "pro",
      name: "Pro",
      tagline: "$29/month, 1,000,000 credits included, then $10 per 1,000,000 credits",
      includedCredits: 1_000_000,
      overageAllowed: true,
      // $10 per 1,000,000 credits = 1 cent per 1,000: the same price as `stripe.overage` below, exactly.
      // (The ledger stores whole cents per 1,000 credits; a price below that needs a finer column.)
      overagePriceCentsPer1000Credits: 1,
      stripe: {
        monthlyPriceCents: 2_900,
        priceLookupKey: "meterline_pro_monthly",
        overagePriceLookupKey: "meterline_pro_overage",
        overage: { centsPerUnit: 1_000, unitCredits: 1_000_000 },
      },
    },
  } satisfies Record<PlanKey, Plan>,
  /** Not self-serve: the pricing page links here. */
  enterprise: { name: "Enterprise", contactUrl: "mailto:sales@meterline.dev" },
  packs: [
    { key: "starter", name: "2,000,000 credits", credits: 2_000_000, priceCents: 1_000, priceLookupKey: "meterline_pack_starter" },
    { key: "growth", name: "10,000,000 credits", credits: 10_000_000, priceCents: 4_500, priceLookupKey: "meterline_pack_growth" },
    { key: "scale", name: "50,000,000 credits", credits: 50_000_000, priceCents: 20_000, priceLookupKey: "meterline_pack_scale" },
  ] satisfies CreditPack[],
  /** The Stripe Billing Meter that carries overage (value = credits, summed per period). */
  meter: { eventName: "meterline_overage_credits", displayName: "Meterline overage credits", customerPayloadKey: "stripe_customer_id", valuePayloadKey: "value" },
  /** Stripe product ids used by stripe:sync (stable, so a re-run updates instead of duplicating). */
  products: { planPrefix: "meterline_plan_", packs: "meterline_credits" },
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

export function findPack(key: string): CreditPack | undefined {
  return (catalog.packs as readonly CreditPack[]).find((p) => p.key === key);
}

/** Plans a customer can subscribe to through Stripe. */
export function paidPlans(): (Plan & { stripe: NonNullable<Plan["stripe"]> })[] {
  return Object.values(catalog.plans as Record<string, Plan>).filter((p): p is Plan & { stripe: NonNullable<Plan["stripe"]> } => p.stripe !== null);
}
