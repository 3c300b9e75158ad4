import { sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";

/**
 * The invariants of architecture.md §2 as queries. Returns one line per violation (empty = all
 * hold). Used by the tests after every step of the property test and by the benchmark at the end.
 *  1. the journal sums to every cached counter and to the grants;
 *  2. no grant below zero, held ≤ remaining; available = Σ over unexpired, unvoided grants of
 *     (remaining − held) = their remaining − the active holds' allocations on them, and ≥ 0;
 *  3. a request is captured at most once and every settled hold is settled exactly once;
 *  4. overage captured this period within the hard limit; no overage held where the plan forbids it
 *     (reserve admits overage holds only within the limit: see the concurrency tests);
 *  5. every captured overage credit is in exactly one outbox row.
 */
export async function checkLedgerInvariants(db: DbOrTx, accountIds?: string[]): Promise<string[]> {
  const scope = (col: SQL) => (accountIds ? sql`${col} = any(${`{${accountIds.join(",")}}`}::text[])` : sql`true`);
  const problems: string[] = [];
  const run = async (name: string, query: SQL) => {
    const rows = (await db.execute(query)) as unknown as Record<string, unknown>[];
    for (const r of rows) problems.push(`${name}: ${JSON.stringify(r)}`);
  };

  await run(
    "1 journal ≠ counters/grants/holds",
    sql`
    with j as (
      select account_id, sum(remaining_delta) rem, sum(held_delta) held, sum(overage_held_delta) oh, sum(overage_used_delta) ou
        from ledger_entries group by account_id),
    g as (select account_id, sum(remaining_credits) rem, sum(held_credits) held from credit_grants group by account_id),
    h as (select account_id, sum(grant_credits) held, sum(overage_credits) oh from holds where status = 'held' group by account_id)
    select a.account_id, a.remaining_credits, a.held_credits, a.overage_held_credits, a.overage_used_credits,
           coalesce(j.rem,0) j_rem, coalesce(j.held,0) j_held, coalesce(j.oh,0) j_oh, coalesce(j.ou,0) j_ou,
           coalesce(g.rem,0) g_rem, coalesce(g.held,0) g_held, coalesce(h.held,0) h_held, coalesce(h.oh,0) h_oh
      from account_ledger a left join j using (account_id) left join g using (account_id) left join h using (account_id)
     where ${scope(sql`a.account_id`)} and not (
       a.remaining_credits = coalesce(j.rem,0) and a.remaining_credits = coalesce(g.rem,0)
       and a.held_credits = coalesce(j.held,0) and a.held_credits = coalesce(g.held,0) and a.held_credits = coalesce(h.held,0)
       and a.overage_held_credits = coalesce(j.oh,0) and a.overage_held_credits = coalesce(h.oh,0)
       and a.overage_used_credits = coalesce(j.ou,0))`,
  );
  await run(
    "1 grant ≠ its journal",
    sql`select g.id, g.remaining_credits, g.held_credits, coalesce(sum(e.remaining_delta),0) j_rem, coalesce(sum(e.held_delta),0) j_held
          from credit_grants g left join ledger_entries e on e.grant_id = g.id
         where ${scope(sql`g.account_id`)}
         group by g.id having g.remaining_credits <> coalesce(sum(e.remaining_delta),0) or g.held_credits <> coalesce(sum(e.held_delta),0)`,
  );
  await run(
    "2 grant out of bounds",
    sql`select id, remaining_credits, held_credits from credit_grants
         where ${scope(sql`account_id`)} and (remaining_credits < 0 or held_credits < 0 or held_credits > remaining_credits or remaining_credits > amount_credits)`,
  );
  await run(
    "2 available ≠ unexpired remaining − active holds",
    sql`
    with live as (
      select id, account_id, remaining_credits, held_credits from credit_grants
       where ${scope(sql`account_id`)} and voided_at is null and (expires_at is null or expires_at > now())),
    alloc as (
      select h.account_id, a.grant_id, sum(a.credits) credits
        from holds h cross join lateral unnest(h.alloc_grant_ids, h.alloc_credits) as a(grant_id, credits)
       where h.status = 'held' and ${scope(sql`h.account_id`)}
       group by h.account_id, a.grant_id),
    per_account as (
      select l.account_id, sum(l.remaining_credits - l.held_credits) available,
             sum(l.remaining_credits) live_remaining, coalesce(sum(al.credits), 0) live_held_by_holds
        from live l left join alloc al on al.account_id = l.account_id and al.grant_id = l.id
       group by l.account_id)
    select * from per_account where available <> live_remaining - live_held_by_holds or available < 0`,
  );
  await run(
    "2 grant held ≠ its active holds",
    sql`
    with alloc as (
      select h.account_id, a.grant_id, sum(a.credits) credits
        from holds h cross join lateral unnest(h.alloc_grant_ids, h.alloc_credits) as a(grant_id, credits)
       where h.status = 'held' and ${scope(sql`h.account_id`)}
       group by h.account_id, a.grant_id)
    select g.id, g.held_credits, coalesce(al.credits, 0) held_by_holds
      from credit_grants g left join alloc al on al.account_id = g.account_id and al.grant_id = g.id
     where ${scope(sql`g.account_id`)} and g.held_credits <> coalesce(al.credits, 0)`,
  );
  await run(
    "3 hold/receipt mismatch",
    sql`select h.account_id, h.request_id, h.status, h.credits, e.held_credits, e.charged_credits
          from holds h full join usage_events e on e.account_id = h.account_id and e.request_id = h.request_id
         where ${scope(sql`coalesce(h.account_id, e.account_id)`)} and (
           h.request_id is null or (h.status = 'captured') <> (e.request_id is not null)
           or h.status not in ('held', 'captured', 'released')
           or e.charged_credits > h.credits or e.held_credits <> h.credits
           or e.charged_credits + e.capped_credits <> e.requested_credits
           or h.credits <> h.grant_credits + h.overage_credits
           or h.grant_credits <> (select coalesce(sum(x), 0) from unnest(h.alloc_credits) x))`,
  );
  await run(
    "3 request settled twice",
    sql`select account_id, request_id, kind, count(*) n from ledger_entries
         where ${scope(sql`account_id`)} and kind in ('capture', 'release') and request_id is not null
         group by account_id, request_id, coalesce(grant_id, ''), kind having count(*) > 1`,
  );
  await run(
    "4 overage past the hard limit or not allowed",
    sql`select account_id, overage_used_credits, overage_held_credits, ledger_overage_limit_credits(a) limit_credits, overage_allowed
          from account_ledger a
         where ${scope(sql`account_id`)} and (
           (ledger_overage_limit_credits(a) is not null and overage_used_credits > ledger_overage_limit_credits(a))
           or (not overage_allowed and overage_held_credits > 0))`,
  );
  await run(
    "5 overage ≠ outbox",
    sql`select coalesce(e.account_id, o.account_id) account_id, coalesce(e.request_id, o.request_id) request_id, e.overage_credits, o.credits
          from (select * from usage_events where overage_credits > 0) e
          full join meter_outbox o on o.account_id = e.account_id and o.request_id = e.request_id
         where ${scope(sql`coalesce(e.account_id, o.account_id)`)} and (e.overage_credits is distinct from o.credits)`,
  );
  return problems;
}

/**
 * Invariant 2's figure, from the grants alone: Σ over unexpired, unvoided grants of
 * (remaining − held). getBalance's availableCredits must equal it.
 */
export async function availableFromGrants(db: DbOrTx, accountId: string): Promise<number> {
  const [row] = (await db.execute(sql`
    select coalesce(sum(remaining_credits - held_credits), 0)::bigint as n from credit_grants
     where account_id = ${accountId} and voided_at is null and (expires_at is null or expires_at > now())`)) as unknown as { n: string }[];
  return Number(row!.n);
}
