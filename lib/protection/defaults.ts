import { breaker } from "./breaker/registry";
import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { recordAudit } from "@/lib/accounts/audit";

/** The soft limit a new account gets once it has a history: 80% of its typical period spend. */
export const DEFAULT_SOFT_LIMIT_PERCENT = 80;
/** "A history": usage on at least this many distinct days in the last 30. */
export const MIN_HISTORY_DAYS = 7;

/** 80% of (average daily spend over the days with usage × days in the period), rounded down. */
export function defaultSoftLimitCredits(input: { creditsLast30Days: number; activeDays: number; periodDays: number }): number | null {
  if (input.activeDays < MIN_HISTORY_DAYS || input.creditsLast30Days <= 0) return null;
  const typicalPeriod = Math.floor((input.creditsLast30Days * input.periodDays) / input.activeDays);
  return Math.floor((typicalPeriod * DEFAULT_SOFT_LIMIT_PERCENT) / 100);
}

/**
 * Account defaults (the job): hard limit off (the ledger's default, opt-in), breaker on (no
 * settings row = on), and a soft limit at 80% of typical spend — set once, only on accounts that
 * have a history, have no soft limit, and whose owners never set limits themselves (their
 * choice, including "no soft limit", is kept). Audited as a system change.
 */
export async function applyAccountDefaults(db: Db): Promise<{ accountId: string; softLimitCredits: number }[]> {
  const candidates = (await db.execute(sql`
    select l.account_id,
           coalesce(sum(d.charged_credits), 0)::bigint as credits,
           count(distinct d.day)::int as active_days,
           greatest(1, round(extract(epoch from (l.period_end - l.period_start)) / 86400))::int as period_days
      from account_ledger l
      join usage_daily d on d.account_id = l.account_id and d.day >= current_date - 30 and d.day < current_date
      left join account_protection p on p.account_id = l.account_id
     where l.soft_limit_credits is null
       and p.soft_limit_defaulted_at is null
       and not exists (select 1 from audit_log a where a.account_id = l.account_id and a.action = 'limits.updated')
     group by l.account_id, l.period_start, l.period_end`)) as unknown as { account_id: string; credits: string | number; active_days: number; period_days: number }[];
  const applied: { accountId: string; softLimitCredits: number }[] = [];
  for (const c of candidates) {
    const limit = defaultSoftLimitCredits({ creditsLast30Days: Number(c.credits), activeDays: c.active_days, periodDays: c.period_days });
    if (limit === null || limit <= 0) continue;
    const done = await db.transaction(async (tx) => {
      const updated = await tx.execute(sql`update account_ledger set soft_limit_credits = ${limit}, updated_at = now() where account_id = ${c.account_id} and soft_limit_credits is null returning account_id`);
      if (updated.length === 0) return false;
      await tx.execute(sql`
        insert into account_protection (account_id, soft_limit_defaulted_at) values (${c.account_id}, now())
        on conflict (account_id) do update set soft_limit_defaulted_at = now(), updated_at = now()`);
      await recordAudit(tx, { accountId: c.account_id, actorUserId: null, action: "limits.defaulted", targetType: "account", targetId: c.account_id, after: { softLimitCredits: limit }, reason: `default: ${DEFAULT_SOFT_LIMIT_PERCENT}% of typical spend` });
      return true;
    });
    if (done) applied.push({ accountId: c.account_id, softLimitCredits: limit });
  }
  return applied;
}

/** Turns the breaker on or off for an account (platform admins; audited by the caller). */
export async function setBreakerEnabled(db: Db, accountId: string, enabled: boolean): Promise<void> {
  await db.execute(sql`
    insert into account_protection (account_id, breaker_enabled) values (${accountId}, ${enabled})
    on conflict (account_id) do update set breaker_enabled = ${enabled}, updated_at = now()`);
  breaker().state.setEnabled(accountId, enabled);
}
