import type Stripe from "stripe";
import type { Db } from "@/db/client";
import { buildMeterReports } from "./build-reports";
import { accountsWithDueReports, sendAccountReports, type Backoff } from "./send-reports";

export type FlushResult = { built: number; sent: number; failed: number };

/**
 * The meter flush job: batch captured overage into reports, then send what is due. Accounts are
 * sent in parallel (a few at a time); within one account, strictly one call at a time.
 */
export async function flushMeterOutbox(deps: { db: Db; stripe: Stripe }, options: { windowSeconds?: number; backoff?: Backoff; concurrency?: number } = {}): Promise<FlushResult> {
  const built = await buildMeterReports(deps.db, { windowSeconds: options.windowSeconds });
  const accounts = await accountsWithDueReports(deps.db);
  let sent = 0;
  let failed = 0;
  const queue = [...accounts];
  const lanes = Array.from({ length: Math.min(options.concurrency ?? 4, queue.length) }, async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const r = await sendAccountReports(deps.db, deps.stripe, id, options.backoff);
      sent += r.sent;
      failed += r.failed;
    }
  });
  await Promise.all(lanes);
  return { built, sent, failed };
}
