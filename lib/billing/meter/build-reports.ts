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
 */
export async function buildMeterReports(db: Db, options: { windowSeconds?: number; accountId?: string } = {}): Promise<number> {
  const windowSeconds = options.windowSeconds ?? DEFAULT_WINDOW_SECONDS;
  const accountFilter = options.accountId ? sql`and o.account_id = ${options.accountId}` : sql``;
  const rows = await db.execute(sql`
    with pending as (
      select o.id, o.account_id, o.credits, o.created_at,
             floor(extract(epoch from o.created_at) / ${windowSeconds})::bigint as win
        from meter_outbox o
       where o.report_id is null and o.reported_at is null ${accountFilter}
       order by o.id
         for update skip locked
    ), windows as (
      select account_id, win, 'mr_' || account_id || '_' || min(id) as report_id,
             sum(credits)::bigint as credits, max(created_at) as event_at
        from pending
       group by account_id, win
    ), reports as (
      insert into meter_reports (id, account_id, event_name, credits, event_at)
      select report_id, account_id, ${catalog.meter.eventName}, credits, event_at from windows
      on conflict (id) do nothing
      returning id
    ), claimed as (
      update meter_outbox o set report_id = w.report_id
        from pending p join windows w on w.account_id = p.account_id and w.win = p.win
       where o.id = p.id
      returning o.id
    )
    select (select count(*) from reports)::int as reports, (select count(*) from claimed)::int as rows`);
  return Number((rows[0] as { reports: number } | undefined)?.reports ?? 0);
}
