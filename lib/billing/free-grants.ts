import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accounts } from "@/db/schema";
import { catalog } from "@/lib/config/catalog";
import { grant } from "@/lib/ledger";

/** The calendar month (UTC) containing `now`: the free allowance's period. */
export function monthOf(now: Date): { start: Date; end: Date; key: string } {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { start, end, key: start.toISOString().slice(0, 7) };
}

/**
 * Monthly free credits for accounts on the free plan, if the catalog gives any: a plan_allowance
 * grant that expires at the end of the month, unique per account and month (safe to run hourly).
 */
export async function grantFreeMonthlyCredits(db: Db, options: { now?: Date; credits?: number } = {}): Promise<number> {
  const credits = options.credits ?? catalog.freeMonthlyCredits;
  if (credits <= 0) return 0;
  const month = monthOf(options.now ?? new Date());
  const free = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.plan, "free"));
  let created = 0;
  for (const { id } of free) {
    const g = await grant(db, { accountId: id, kind: "plan_allowance", credits, sourceRef: `free-monthly:${id}:${month.key}`, expiresAt: month.end, reason: `free credits ${month.key}` });
    if (g.created) created += 1;
  }
  return created;
}
