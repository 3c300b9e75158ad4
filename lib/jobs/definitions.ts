import type Stripe from "stripe";
import type { Db } from "@/db/client";
import { runAutoRecharge } from "@/lib/billing/auto-recharge";
import { grantFreeMonthlyCredits } from "@/lib/billing/free-grants";
import { flushMeterOutbox } from "@/lib/billing/meter/flush";
import { reconcileOverage } from "@/lib/billing/reconcile";
import { purgeExpiredCache } from "@/lib/gateway/cache";
import { purgeExpiredIdempotencyKeys } from "@/lib/gateway/idempotency";
import { expireGrants, sweepStaleHolds } from "@/lib/ledger";
import { deliverDueNotifications } from "@/lib/notifications";
import { applyAccountDefaults } from "@/lib/protection/defaults";

export type JobDeps = { db: Db; stripe: () => Stripe };

export type JobDefinition = {
  name: string;
  /** Cron (UTC). pg-boss's scheduler runs it on exactly one of the workers. */
  cron: string;
  run: (deps: JobDeps) => Promise<unknown>;
};

/**
 * Every background job. Each is safe to run twice or concurrently (idempotent writes, row
 * claims, advisory locks), so a retry or an overlap costs work, never money.
 */
export const jobs: JobDefinition[] = [
  // Also nudged every few seconds by the worker (see worker.ts): overage should reach Stripe promptly.
  { name: "billing.meter-flush", cron: "* * * * *", run: (d) => flushMeterOutbox({ db: d.db, stripe: d.stripe() }) },
  { name: "billing.reconcile-overage", cron: "17 * * * *", run: (d) => reconcileOverage({ db: d.db, stripe: d.stripe() }) },
  { name: "billing.auto-recharge", cron: "* * * * *", run: (d) => runAutoRecharge({ db: d.db, stripe: d.stripe() }) },
  { name: "billing.free-monthly-credits", cron: "5 * * * *", run: (d) => grantFreeMonthlyCredits(d.db) },
  { name: "ledger.expire-grants", cron: "* * * * *", run: (d) => expireGrants(d.db) },
  { name: "ledger.sweep-stale-holds", cron: "* * * * *", run: (d) => sweepStaleHolds(d.db) },
  // gateway: delete Idempotency-Keys past their 24 h retention and response-cache rows past their TTL
  // (both are already ignored once expired; this keeps the tables small).
  { name: "gateway.purge-idempotency-keys", cron: "41 * * * *", run: (d) => purgeExpiredIdempotencyKeys(d.db) },
  { name: "gateway.purge-response-cache", cron: "*/10 * * * *", run: (d) => purgeExpiredCache(d.db) },
  // protection hooks: retry notification deliveries; account defaults (soft limit at 80% of typical spend)
  { name: "notifications.deliver", cron: "* * * * *", run: (d) => deliverDueNotifications(d.db) },
  { name: "protection.account-defaults", cron: "23 3 * * *", run: (d) => applyAccountDefaults(d.db) },
];
