import { and, eq, gte, lt, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { usageDaily } from "@/db/schema";
import { getLedgerRowOrThrow, overageLimitCredits } from "./balance";

/**
 * Dashboard queries. They read the daily rollup (usage_daily, upserted by capture), never the raw
 * events. Ranges are UTC days: `from` inclusive, `to` exclusive.
 */
export type UsageRange = { from: Date; to: Date };
export type UsageTotals = {
  requests: number;
  cacheHits: number;
  chargedCredits: number;
  overageCredits: number;
  includedCredits: number;
  inputTokens: number;
  outputTokens: number;
};

const day = (d: Date) => d.toISOString().slice(0, 10);

const totals = {
  requests: sql<string>`sum(${usageDaily.requests})`,
  cacheHits: sql<string>`sum(${usageDaily.cacheHits})`,
  chargedCredits: sql<string>`sum(${usageDaily.chargedCredits})`,
  overageCredits: sql<string>`sum(${usageDaily.overageCredits})`,
  includedCredits: sql<string>`sum(${usageDaily.includedCredits})`,
  inputTokens: sql<string>`sum(${usageDaily.inputTokens})`,
  outputTokens: sql<string>`sum(${usageDaily.outputTokens})`,
};

function toTotals(r: Record<keyof UsageTotals, string>): UsageTotals {
  return {
    requests: Number(r.requests),
    cacheHits: Number(r.cacheHits),
    chargedCredits: Number(r.chargedCredits),
    overageCredits: Number(r.overageCredits),
    includedCredits: Number(r.includedCredits),
    inputTokens: Number(r.inputTokens),
    outputTokens: Number(r.outputTokens),
  };
}

const inRange = (accountId: string, range: UsageRange) =>
  and(eq(usageDaily.accountId, accountId), gte(usageDaily.day, day(range.from)), lt(usageDaily.day, day(range.to)));

export async function usageByDay(db: DbOrTx, accountId: string, range: UsageRange): Promise<({ day: string } & UsageTotals)[]> {
  const rows = await db.select({ day: usageDaily.day, ...totals }).from(usageDaily).where(inRange(accountId, range)).groupBy(usageDaily.day).orderBy(usageDaily.day);
  return rows.map((r) => ({ day: r.day, ...toTotals(r) }));
}

const breakdownColumn = { action: usageDaily.action, model: usageDaily.model, member: usageDaily.userId, api_key: usageDaily.apiKeyId } as const;

export async function usageBreakdown(
  db: DbOrTx,
  accountId: string,
  options: UsageRange & { by: keyof typeof breakdownColumn },
): Promise<({ key: string | null } & UsageTotals)[]> {
  const col = breakdownColumn[options.by];
  const rows = await db
    .select({ key: col, ...totals })
    .from(usageDaily)
    .where(inRange(accountId, options))
    .groupBy(col)
    .orderBy(sql`sum(${usageDaily.chargedCredits}) desc`, col);
  return rows.map((r) => ({ key: r.key, ...toTotals(r) }));
}

/** This period at a glance, from the account's counters (exact to the request, not per day). */
export async function periodSummary(db: DbOrTx, accountId: string) {
  const row = await getLedgerRowOrThrow(db, accountId);
  const limitCredits = overageLimitCredits(row);
  return {
    periodStart: row.periodStart,
    periodEnd: row.periodEnd,
    plan: row.plan,
    usedCredits: row.periodUsedCredits,
    includedCredits: row.includedCredits,
    includedUsedCredits: row.periodIncludedUsedCredits,
    includedRemainingCredits: Math.max(row.includedCredits - row.periodIncludedUsedCredits, 0),
    overageCredits: row.overageUsedCredits,
    overageHeldCredits: row.overageHeldCredits,
    /** Overage so far in money, rounded half-up to the cent as Stripe rounds the invoice line. */
    overageCents: Math.round((row.overageUsedCredits * row.overagePriceCentsPer1000Credits) / 1000),
    overageLimitCredits: limitCredits,
    softLimitCredits: row.softLimitCredits,
  };
}
