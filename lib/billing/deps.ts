import type Stripe from "stripe";
import type { Db } from "@/db/client";

/** What billing services need: the database, a Stripe client, and where to send browsers back. */
export type BillingDeps = { db: Db; stripe: Stripe; appUrl: string };
