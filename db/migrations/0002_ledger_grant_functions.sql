-- Ledger write paths other than reserve / capture / release (0002): grants, admin debits, refunds,
-- the expiry job, billing periods; then table settings, the journal's append-only guard and the
-- backfill of ledger rows for accounts created before the ledger. Same rules as 0002: the
-- account_ledger row lock first, one round trip per operation.

create or replace function ledger_grant(p_account text, g jsonb) returns jsonb
language plpgsql as $$
declare
  existing credit_grants%rowtype;
  new_id text;
begin
  perform 1 from account_ledger where account_id = p_account for update;
  if not found then return jsonb_build_object('ok', false, 'err', 'not_found'); end if;
  insert into credit_grants (id, account_id, kind, amount_credits, remaining_credits, expires_at, priority, source_ref,
    reason, actor_user_id, amount_cents)
  values (g->>'id', p_account, g->>'kind', (g->>'c')::bigint, (g->>'c')::bigint, (g->>'exp')::timestamptz,
    (g->>'prio')::int, g->>'src', g->>'reason', g->>'actor', (g->>'cents')::bigint)
  on conflict (source_ref) do nothing
  returning id into new_id;
  if new_id is null then
    select * into existing from credit_grants where source_ref = g->>'src';
    if existing.account_id <> p_account then
      return jsonb_build_object('ok', false, 'err', 'conflict');
    end if;
    return jsonb_build_object('ok', true, 'grantId', existing.id, 'created', false);
  end if;
  insert into ledger_entries (account_id, kind, grant_id, remaining_delta, reason, actor_user_id, idempotency_key)
  values (p_account, case when g->>'kind' = 'adjustment' then 'adjustment' else 'grant' end, new_id, (g->>'c')::bigint,
    g->>'reason', g->>'actor', 'grant:' || (g->>'src'));
  update account_ledger set remaining_credits = remaining_credits + (g->>'c')::bigint where account_id = p_account;
  return jsonb_build_object('ok', true, 'grantId', new_id, 'created', true);
end
$$;
--> statement-breakpoint

-- Negative adjustment: debits spendable credits in burn order, never below zero; what could not
-- be debited is recorded as the shortfall. p: { c (positive amount to debit), src, reason, actor }.
create or replace function ledger_debit(p_account text, p jsonb) returns jsonb
language plpgsql as $$
declare
  key text := 'adjust:' || (p->>'src');
  prior ledger_entries%rowtype;
  want bigint := (p->>'c')::bigint;
  left_c bigint;
  t bigint;
  g record;
  debited bigint := 0;
begin
  perform 1 from account_ledger where account_id = p_account for update;
  if not found then return jsonb_build_object('ok', false, 'err', 'not_found'); end if;
  select * into prior from ledger_entries where idempotency_key = key;
  if found then
    if prior.account_id <> p_account then return jsonb_build_object('ok', false, 'err', 'conflict'); end if;
    return jsonb_build_object('ok', true, 'created', false) || prior.details;
  end if;
  left_c := want;
  for g in select id, remaining_credits - held_credits as avail from credit_grants
            where account_id = p_account and voided_at is null and (expires_at is null or expires_at > now())
              and remaining_credits > held_credits
            order by expires_at asc nulls last, priority, created_at, id
            for update loop
    exit when left_c = 0;
    t := least(g.avail, left_c);
    update credit_grants set remaining_credits = remaining_credits - t where id = g.id;
    insert into ledger_entries (account_id, kind, grant_id, remaining_delta, reason, actor_user_id, idempotency_key)
    values (p_account, 'adjustment', g.id, -t, p->>'reason', p->>'actor', key || ':' || g.id);
    left_c := left_c - t;
    debited := debited + t;
  end loop;
  insert into ledger_entries (account_id, kind, reason, actor_user_id, idempotency_key, details)
  values (p_account, 'adjustment', p->>'reason', p->>'actor', key,
    jsonb_build_object('debited', debited, 'shortfall', want - debited));
  update account_ledger set remaining_credits = remaining_credits - debited where account_id = p_account;
  return jsonb_build_object('ok', true, 'created', true, 'debited', debited, 'shortfall', want - debited);
end
$$;
--> statement-breakpoint

-- Claws back a refunded purchase: what is left and not held, never below zero. The part that
-- was already spent (or is held by an in-flight request) is the recorded shortfall. A full
-- refund (p_credits NULL) also voids the grant, so credits a hold later gives back are never
-- spendable again (ledger_grant_unhold voids them when the hold settles).
create or replace function ledger_refund(p_source_ref text, p_refund_ref text, p_credits bigint) returns jsonb
language plpgsql as $$
declare
  g credit_grants%rowtype;
  prior ledger_entries%rowtype;
  key text := 'refund:' || p_refund_ref;
  requested bigint;
  clawed bigint;
begin
  select * into g from credit_grants where source_ref = p_source_ref;
  if not found then return jsonb_build_object('ok', false, 'err', 'not_found'); end if;
  if g.kind <> 'purchase' then return jsonb_build_object('ok', false, 'err', 'not_purchase'); end if;
  perform 1 from account_ledger where account_id = g.account_id for update;
  select * into g from credit_grants where id = g.id for update;
  select * into prior from ledger_entries where idempotency_key = key;
  if found then return jsonb_build_object('ok', true, 'created', false) || prior.details; end if;
  requested := coalesce(p_credits, g.amount_credits);
  clawed := greatest(least(requested, g.remaining_credits - g.held_credits), 0);
  update credit_grants set remaining_credits = remaining_credits - clawed,
    voided_at = case when p_credits is null then coalesce(voided_at, now()) else voided_at end
   where id = g.id;
  insert into ledger_entries (account_id, kind, grant_id, remaining_delta, idempotency_key, details)
  values (g.account_id, 'refund', g.id, -clawed, key,
    jsonb_build_object('clawedBack', clawed, 'shortfall', requested - clawed, 'requested', requested, 'grantId', g.id));
  update account_ledger set remaining_credits = remaining_credits - clawed where account_id = g.account_id;
  return jsonb_build_object('ok', true, 'created', true, 'clawedBack', clawed, 'shortfall', requested - clawed,
    'accountId', g.account_id);
end
$$;
--> statement-breakpoint

-- Expiry job, one account: expires the unheld remainder of every grant past its date that has not
-- been swept yet, and marks it expired. Credits still held by an open hold stay claimable by that
-- hold's capture; whatever the hold gives back later is expired at that moment
-- (ledger_grant_unhold). Returns the number of grants marked expired.
create or replace function ledger_expire_account(p_account text, p_now timestamptz) returns int
language plpgsql as $$
declare
  g record;
  touched int := 0;
  total bigint := 0;
begin
  perform 1 from account_ledger where account_id = p_account for update;
  for g in select id, remaining_credits - held_credits as x, held_credits
             from credit_grants
            where account_id = p_account and expired_at is null and expires_at <= p_now
            for update loop
    update credit_grants set remaining_credits = held_credits, expired_at = p_now where id = g.id;
    if g.x > 0 then
      insert into ledger_entries (account_id, kind, grant_id, remaining_delta, idempotency_key)
      values (p_account, 'expire', g.id, -g.x, 'expire:' || g.id || ':' || g.held_credits);
      total := total + g.x;
    end if;
    touched := touched + 1;
  end loop;
  if total > 0 then
    update account_ledger set remaining_credits = remaining_credits - total where account_id = p_account;
  end if;
  return touched;
end
$$;
--> statement-breakpoint

-- Starts a billing period: resets the period counters (the overage reset is journaled so the
-- journal still sums to the counter). Idempotent per (account, start).
create or replace function ledger_start_period(p_account text, p_start timestamptz, p_end timestamptz) returns boolean
language plpgsql as $$
declare
  acc account_ledger%rowtype;
  key text := 'period:' || p_account || ':' || to_char(p_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US');
begin
  select * into acc from account_ledger where account_id = p_account for update;
  if not found then return false; end if;
  if exists (select 1 from ledger_entries where idempotency_key = key) then return false; end if;
  -- Order-independent: once billing has started a period, an older one (a late webhook) is ignored.
  -- The first billed period may start before the account's provisional one (account creation).
  if p_start < acc.period_start and exists (select 1 from ledger_entries where account_id = p_account and kind = 'period_rollover') then
    return false;
  end if;
  insert into ledger_entries (account_id, kind, overage_used_delta, idempotency_key, details)
  values (p_account, 'period_rollover', -acc.overage_used_credits, key,
    jsonb_build_object('previousStart', acc.period_start, 'previousEnd', acc.period_end, 'usedCredits', acc.period_used_credits,
      'overageCredits', acc.overage_used_credits));
  update account_ledger set period_start = p_start, period_end = p_end, overage_used_credits = 0,
    period_used_credits = 0, period_included_used_credits = 0, updated_at = now()
   where account_id = p_account;
  return true;
end
$$;
--> statement-breakpoint

-- Rows updated on every request keep free room in their page, so the updates stay HOT (no index
-- writes) and the dead versions are pruned in place.
alter table account_ledger set (fillfactor = 50);
--> statement-breakpoint
alter table credit_grants set (fillfactor = 50);
--> statement-breakpoint
alter table usage_daily set (fillfactor = 70);
--> statement-breakpoint

-- Accounts created before the ledger existed get their ledger row (free plan defaults, a
-- provisional 30-day period). New accounts get it, with the signup grant, from the
-- onAccountCreated hook (lib/ledger/register.ts).
insert into account_ledger (account_id, status, period_start, period_end, plan)
select id, status, now(), now() + interval '30 days', 'free' from accounts
on conflict do nothing;
--> statement-breakpoint

-- The journal is append-only: corrections are new entries, never edits.
create or replace function ledger_entries_append_only() returns trigger
language plpgsql as $$
begin
  raise exception 'ledger_entries is append-only (% refused)', tg_op using errcode = 'restrict_violation';
end
$$;
--> statement-breakpoint
create trigger ledger_entries_append_only before update or delete or truncate on ledger_entries
  for each statement execute function ledger_entries_append_only();
