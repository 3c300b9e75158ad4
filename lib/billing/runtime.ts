import { getDb } from "@/db/client";
import { getEnv } from "@/lib/config/env";
import type { BillingDeps } from "./deps";
import { getStripe } from "./stripe-client";

/** Billing's dependencies for this process, from the environment (route handlers and actions). */
export function billingDeps(): BillingDeps {
  const env = getEnv();
  return { db: getDb(), stripe: getStripe(), appUrl: env.APP_URL, testClocks: env.STRIPE_TEST_CLOCKS };
}
