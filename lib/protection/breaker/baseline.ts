import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import type { Baseline } from "./state";

/**
 * Typical hourly spend: credits charged over the last `days` full days (today excluded, so a
 * spike today does not raise its own bar) divided by the hours the account has had usage in that
 * range, from the daily rollup. No history → 0 (the floor applies). Also reads whether the
 * breaker is on for the account (no settings row = on).
 */
export async function loadBaseline(db: Db, accountId: string, days: number, nowMs: number): Promise<Baseline> {
  const today = new Date(nowMs).toISOString().slice(0, 10);
  const [row] = (await db.execute(sql`
    select coalesce(sum(d.charged_credits), 0)::bigint as credits, min(d.day)::text as first_day,
           (select breaker_enabled from account_protection where account_id = ${accountId}) as enabled
      from usage_daily d
     where d.account_id = ${accountId}
       and d.day >= ${today}::date - ${days}::int and d.day < ${today}::date`)) as unknown as { credits: string | number; first_day: string | null; enabled: boolean | null }[];
  const credits = Number(row?.credits ?? 0);
  let creditsPerHour = 0;
  if (row?.first_day && credits > 0) {
    const daysOfHistory = Math.max(1, Math.round((Date.parse(today) - Date.parse(row.first_day)) / 86_400_000));
    creditsPerHour = Math.floor(credits / (daysOfHistory * 24));
  }
  return { creditsPerHour, breakerEnabled: row?.enabled ?? true, loadedAt: nowMs };
}
