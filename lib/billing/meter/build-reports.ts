import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { catalog } from "@/lib/config/catalog";

/** Overage captured within one window (per account) becomes one meter event. */
export const DEFAULT_WINDOW_SECONDS = 60;

/**
 * Turns unreported meter_outbox rows into meter_reports, one per account per window of capture
 * time, in one statement (so one transaction): the rows are claimed (report_id set) by the same
 * statement that creates their report, and a report's id — the meter event identifier — is
 * derived from its first outbox row, so it never changes once built. Rows captured while this
 * runs get the next run. Returns the number of reports built.
 *
 * Stripe bills a meter event in the period its timestamp falls in, so a window never mixes the
 * two sides of a period boundary: rows are grouped by which side of the ledger's current period
 * (`account_ledger.period_start` / `period_end`, the subscription's period) their capture falls
 * on, and each report is stamped with its newest capture, which is inside that same period. This
 * holds before the rollover (the boundary is `period_end`) and after it (`period_start`).
 */
export async function buildMeterReports(db: Db, options: { windowSeconds?: number; accountId?: string } = {}): Promise<number> {
  const windowSeconds = options.windowSeconds ?? DEFAULT_WINDOW_SECONDS;
  const accountFilter = options.accountId ? sql`and o.account_id = ${options.accountId}` : sql``;
  const rows = await db.execute(sql`
    with pending as (
      select o.id, o.account_id, o.credits, o.created_at,
             floor(extract(epoch from o.created_at) / ${windowSeconds})::bigint as win,
             case when l.period_start is null then 0
                  when o.created_at < l.period_start then -1
                  when o.created_at >= l.period_end then 1
                  else 0 end as side
        from meter_outbox o
        left join account_ledger l on l.account_id = o.account_id
       where o.report_id is null and o.reported_at is null ${accountFilter}
       order by o.id
         for update of o skip locked
    ), windows as (
      select account_id, win, side, 'mr_' || account_id || '_' || min(id) as report_id,
             sum(credits)::bigint as credits, max(created_at) as event_at
        from pending
       group by account_id, win, side
    ), reports as (
      insert into meter_reports (id, account_id, event_name, credits, event_at)
      select report_id, account_id, ${catalog.meter.eventName}, credits, event_at from windows
      on conflict (id) do nothing
      returning id
    ), claimed as (
      update meter_outbox o set report_id = w.report_id
        from pending p join windows w on w.account_id = p.account_id and w.win = p.win and w.side = p.side
       where o.id = p.id
      returning o.id
    )
    select (select count(*) from reports)::int as reports, (select count(*) from claimed)::int as rows`);
  return Number((rows[0] as { reports: number } | undefined)?.reports ?? 0);
}
