import type Stripe from "stripe";
import type { Db } from "@/db/client";

/**
 * What billing services need: the database, a Stripe client, and where to send browsers back.
 * `testClocks` (test mode only, STRIPE_TEST_CLOCKS): new customers are created on a test clock.
 */
export type BillingDeps = { db: Db; stripe: Stripe; appUrl: string; testClocks?: boolean };
