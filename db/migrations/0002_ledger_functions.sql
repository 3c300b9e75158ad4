-- The ledger's write paths, one PL/pgSQL function per operation, so each call is ONE round trip
-- and the account row lock is held only for the time the server needs to do the work (no
-- client round trips under the lock). Every function takes a batch (jsonb array) so the
-- in-process batcher (lib/ledger/batcher.ts) can apply many concurrent requests on one account
-- in one transaction: one lock acquisition, one commit, one WAL flush.
--
-- Lock order everywhere: the account_ledger row first, then that account's grants/holds.
-- No function ever locks two accounts, so different accounts never wait on each other.
--
-- Per-item failures (insufficient credits, conflict, …) are returned as result objects, never
-- raised, so one refused request does not roll back the others in its batch. An unexpected
-- exception aborts the batch; the TypeScript side then retries each item on its own.

-- Overage cap in credits for this account, or NULL when uncapped. A cap in cents converts at
-- the plan's overage price, rounding down so the cents spent never exceed the cap.
create or replace function ledger_overage_limit_credits(a account_ledger) returns bigint
language sql immutable as $$
  select case
    when a.hard_limit is null then null
    when a.hard_limit_unit = 'credits' then a.hard_limit
    when a.overage_price_cents_per_1000_credits <= 0 then null
    else (a.hard_limit * 1000) / a.overage_price_cents_per_1000_credits
  end
$$;
--> statement-breakpoint

-- items: [{ r: requestId, h: holdId, c: credits, t: ttlSeconds, m: meta }]
-- result per item: { r, ok: true, h, c, gc, oc, e, existing } | { r, ok: false, err, ... }
-- The caller holds the account_ledger row lock (ledger_apply / ledger_reserve).
create or replace function ledger_reserve_items(p_account text, p_items jsonb) returns jsonb
language plpgsql as $$
declare
  acc account_ledger%rowtype;
  now_ts timestamptz := now();
  g_ids text[];
  g_kinds text[];
  g_avail bigint[];
  g_take bigint[];
  n int;
  j int;
  first_j int := 1;
  it record;
  h holds%rowtype;
  results jsonb := '[]'::jsonb;
  grants_avail bigint;
  limit_credits bigint;
  new_held bigint := 0;
  new_ov_held bigint := 0;
  gpart bigint;
  ov bigint;
  left_c bigint;
  t bigint;
  alloc jsonb;
  err text;
  exp_ts timestamptz;
begin
  select * into acc from account_ledger where account_id = p_account;

  -- Spendable grants in burn order: soonest expiry first (never-expiring last), then priority
  -- (free/allowance before purchased), then oldest. Expired or voided grants are never spent,
  -- even before the expiry job has swept them.
  select array_agg(g.id order by g.expires_at asc nulls last, g.priority, g.created_at, g.id),
         array_agg(g.kind order by g.expires_at asc nulls last, g.priority, g.created_at, g.id),
         array_agg(g.remaining_credits - g.held_credits order by g.expires_at asc nulls last, g.priority, g.created_at, g.id)
    into g_ids, g_kinds, g_avail
    from credit_grants g
   where g.account_id = p_account and g.voided_at is null
     and (g.expires_at is null or g.expires_at > now_ts)
     and g.remaining_credits > g.held_credits;
  n := coalesce(array_length(g_ids, 1), 0);
  g_take := array_fill(0::bigint, array[n]);
  grants_avail := 0;
  for j in 1..n loop grants_avail := grants_avail + g_avail[j]; end loop;
  limit_credits := ledger_overage_limit_credits(acc);

  for it in select * from jsonb_to_recordset(p_items) as x(r text, h text, c bigint, t int, m jsonb) loop
    select * into h from holds where account_id = p_account and request_id = it.r;
    if found then
      if h.status = 'held' then
        results := results || jsonb_build_array(jsonb_build_object('r', it.r, 'ok', true, 'existing', true, 'h', h.id,
          'c', h.credits, 'gc', h.grant_credits, 'oc', h.overage_credits, 'e', h.expires_at));
      else
        results := results || jsonb_build_array(jsonb_build_object('r', it.r, 'ok', false, 'err', 'conflict', 'status', h.status));
      end if;
      continue;
    end if;

    err := null;
    gpart := least(it.c, grants_avail);
    ov := it.c - gpart;
    if acc.status = 'frozen' then
      err := 'account_frozen';
    elsif ov > 0 then
      if not acc.overage_allowed then
        err := 'insufficient_credits';
      elsif acc.block_overage then
        err := 'overage_blocked';
      elsif limit_credits is not null and acc.overage_used_credits + acc.overage_held_credits + new_ov_held + ov > limit_credits then
        err := 'hard_limit_reached';
      end if;
    end if;
    if err is not null then
      results := results || jsonb_build_array(jsonb_build_object('r', it.r, 'ok', false, 'err', err,
        'availableCredits', grants_avail, 'requestedCredits', it.c,
        'overageAllowed', acc.overage_allowed and not acc.block_overage,
        'overageRoomCredits', case when not acc.overage_allowed or acc.block_overage then 0
                                   when limit_credits is null then null
                                   else greatest(limit_credits - acc.overage_used_credits - acc.overage_held_credits - new_ov_held, 0) end));
      continue;
    end if;

    alloc := '[]'::jsonb;
    left_c := gpart;
    j := first_j;
    while left_c > 0 and j <= n loop
      t := least(g_avail[j], left_c);
      if t > 0 then
        g_avail[j] := g_avail[j] - t;
        g_take[j] := g_take[j] + t;
        left_c := left_c - t;
        alloc := alloc || jsonb_build_array(jsonb_build_object('g', g_ids[j], 'k', g_kinds[j], 'c', t));
        insert into ledger_entries (account_id, kind, grant_id, request_id, held_delta, idempotency_key)
        values (p_account, 'hold', g_ids[j], it.r, t, 'hold:' || p_account || ':' || it.r || ':' || g_ids[j]);
      end if;
      if g_avail[j] = 0 then first_j := j + 1; end if;
      j := j + 1;
    end loop;
    if ov > 0 then
      insert into ledger_entries (account_id, kind, request_id, overage_held_delta, idempotency_key)
      values (p_account, 'hold', it.r, ov, 'hold:' || p_account || ':' || it.r || ':overage');
      new_ov_held := new_ov_held + ov;
    end if;
    grants_avail := grants_avail - gpart;
    new_held := new_held + gpart;
    exp_ts := now_ts + make_interval(secs => coalesce(it.t, 600));
    insert into holds (id, account_id, request_id, credits, grant_credits, overage_credits, allocation, status, expires_at, meta, created_at)
    values (it.h, p_account, it.r, it.c, gpart, ov, alloc, 'held', exp_ts, it.m, now_ts);
    results := results || jsonb_build_array(jsonb_build_object('r', it.r, 'ok', true, 'existing', false, 'h', it.h,
      'c', it.c, 'gc', gpart, 'oc', ov, 'e', exp_ts));
  end loop;

  -- One primary-key update per touched grant (a join against unnest() lets the planner pick a
  -- sequential scan of a small, heavily updated table).
  for j in 1..n loop
    if g_take[j] > 0 then
      update credit_grants set held_credits = held_credits + g_take[j] where id = g_ids[j];
    end if;
  end loop;
  if new_held > 0 or new_ov_held > 0 then
    update account_ledger set held_credits = held_credits + new_held,
                              overage_held_credits = overage_held_credits + new_ov_held
     where account_id = p_account;
  end if;
  return results;
end
$$;
--> statement-breakpoint

-- Receipt JSON in the shape lib/ledger reads (camelCase).
create or replace function ledger_receipt_json(e usage_events) returns jsonb
language sql stable as $$
  select jsonb_build_object('requestId', e.request_id, 'accountId', e.account_id, 'createdAt', e.created_at,
    'model', e.model, 'action', e.action, 'inputTokens', e.input_tokens, 'outputTokens', e.output_tokens,
    'cachedTokens', e.cached_tokens, 'cacheHit', e.cache_hit, 'status', e.status,
    'heldCredits', e.held_credits, 'chargedCredits', e.charged_credits, 'overageCredits', e.overage_credits,
    'requestedCredits', e.requested_credits, 'cappedCredits', e.capped_credits, 'includedCredits', e.included_credits,
    'grants', e.grants, 'userId', e.user_id, 'apiKeyId', e.api_key_id, 'latencyMs', e.latency_ms)
$$;
--> statement-breakpoint

-- Takes a settled hold's credits off one grant: remaining −= charged, held −= held. Credits a
-- hold gives back to a grant that has expired meanwhile (or was voided by a full refund) are
-- never spendable again, so they are expired (voided) here at once, with their journal entry,
-- rather than waiting for the next expiry run. Returns the credits so expired; the caller
-- subtracts them from the account's remaining counter.
create or replace function ledger_grant_unhold(p_account text, p_grant text, p_charged bigint, p_held bigint, p_now timestamptz)
returns bigint
language plpgsql as $$
declare
  r record;
  x bigint;
begin
  update credit_grants set remaining_credits = remaining_credits - p_charged, held_credits = held_credits - p_held
   where id = p_grant
   returning remaining_credits, held_credits, expires_at, voided_at into r;
  if r.remaining_credits > r.held_credits and (r.voided_at is not null or r.expires_at <= p_now) then
    x := r.remaining_credits - r.held_credits;
    update credit_grants set remaining_credits = held_credits,
      expired_at = case when voided_at is null then coalesce(expired_at, p_now) else expired_at end
     where id = p_grant;
    insert into ledger_entries (account_id, kind, grant_id, remaining_delta, idempotency_key)
    values (p_account, case when r.voided_at is not null then 'void' else 'expire' end, p_grant, -x,
      'expire:' || p_grant || ':' || r.held_credits);
    return x;
  end if;
  return 0;
end
$$;
--> statement-breakpoint

-- items: [{ r, c: credits requested, u: { model, action, it, ot, ct, ch, st, lat, uid, kid } }]
-- Charges min(c, held) in the hold's own burn order (its grants first, then its overage),
-- releases the rest, and writes the receipt, journal, daily rollup, outbox and notices.
-- The caller holds the account_ledger row lock.
create or replace function ledger_capture_items(p_account text, p_items jsonb) returns jsonb
language plpgsql as $$
declare
  acc account_ledger%rowtype;
  now_ts timestamptz := now();
  it record;
  a record;
  h holds%rowtype;
  ev usage_events%rowtype;
  results jsonb := '[]'::jsonb;
  notices jsonb;
  cg_ids text[] := '{}';
  cg_rem bigint[] := '{}';
  cg_held bigint[] := '{}';
  charge bigint;
  capped bigint;
  left_c bigint;
  t bigint;
  ov_charge bigint;
  included bigint;
  grants_json jsonb;
  d_rem bigint := 0;
  d_held bigint := 0;
  d_ov_held bigint := 0;
  d_ov_used bigint := 0;
  d_used bigint := 0;
  d_incl bigint := 0;
  limit_credits bigint;
  used_before bigint;
  ov_before bigint;
  uid text;
  kid text;
  act text;
  ntf jsonb;
  dd_action text[] := '{}';
  dd_model text[] := '{}';
  dd_uid text[] := '{}';
  dd_kid text[] := '{}';
  dd_hit bigint[] := '{}';
  dd_charge bigint[] := '{}';
  dd_ov bigint[] := '{}';
  dd_incl bigint[] := '{}';
  dd_it bigint[] := '{}';
  dd_ot bigint[] := '{}';
begin
  select * into acc from account_ledger where account_id = p_account;
  limit_credits := ledger_overage_limit_credits(acc);

  for it in select * from jsonb_to_recordset(p_items) as x(r text, c bigint, u jsonb) loop
    select * into h from holds where account_id = p_account and request_id = it.r;
    if not found then
      results := results || jsonb_build_array(jsonb_build_object('r', it.r, 'ok', false, 'err', 'not_found'));
      continue;
    elsif h.status = 'captured' then
      select * into ev from usage_events where account_id = p_account and request_id = it.r;
      results := results || jsonb_build_array(jsonb_build_object('r', it.r, 'ok', true, 'existing', true,
        'receipt', ledger_receipt_json(ev), 'notices', '[]'::jsonb));
      continue;
    elsif h.status = 'released' then
      results := results || jsonb_build_array(jsonb_build_object('r', it.r, 'ok', false, 'err', 'conflict', 'status', h.status));
      continue;
    end if;

    charge := least(it.c, h.credits);
    left_c := charge;
    included := 0;
    grants_json := '[]'::jsonb;
    for a in select * from jsonb_to_recordset(h.allocation) as y(g text, k text, c bigint) loop
      t := least(a.c, left_c);
      left_c := left_c - t;
      cg_ids := cg_ids || a.g;
      cg_rem := cg_rem || t;
      cg_held := cg_held || a.c;
      insert into ledger_entries (account_id, kind, grant_id, request_id, remaining_delta, held_delta, idempotency_key)
      values (p_account, 'capture', a.g, it.r, -t, -a.c, 'capture:' || p_account || ':' || it.r || ':' || a.g);
      if t > 0 then
        grants_json := grants_json || jsonb_build_array(jsonb_build_object('grantId', a.g, 'kind', a.k, 'credits', t));
        if a.k = 'plan_allowance' then included := included + t; end if;
      end if;
    end loop;
    ov_charge := left_c; -- what the grants of the hold did not cover comes from its overage part
    -- Overage charged in a period never passes the hard limit, even for a hold admitted before
    -- the limit was lowered: the excess is not charged (recorded as capped).
    if limit_credits is not null then
      ov_charge := least(ov_charge, greatest(limit_credits - acc.overage_used_credits - d_ov_used, 0));
    end if;
    charge := charge - left_c + ov_charge;
    capped := it.c - charge;
    if h.overage_credits > 0 then
      insert into ledger_entries (account_id, kind, request_id, overage_held_delta, overage_used_delta, idempotency_key)
      values (p_account, 'capture', it.r, -h.overage_credits, ov_charge, 'capture:' || p_account || ':' || it.r || ':overage');
      if ov_charge > 0 then
        insert into meter_outbox (account_id, request_id, credits, created_at) values (p_account, it.r, ov_charge, now_ts);
      end if;
    end if;

    update holds set status = 'captured', captured_credits = charge, settled_at = now_ts where account_id = p_account and request_id = it.r;
    uid := coalesce(it.u->>'uid', h.meta->>'userId');
    kid := coalesce(it.u->>'kid', h.meta->>'apiKeyId');
    act := coalesce(it.u->>'action', h.meta->>'action');
    insert into usage_events (account_id, request_id, user_id, api_key_id, action, model, input_tokens, output_tokens,
      cached_tokens, cache_hit, status, latency_ms, held_credits, requested_credits, charged_credits, capped_credits,
      overage_credits, included_credits, grants, created_at)
    values (p_account, it.r, uid, kid, act, it.u->>'model', (it.u->>'it')::int, (it.u->>'ot')::int,
      coalesce((it.u->>'ct')::int, 0), coalesce((it.u->>'ch')::boolean, false), coalesce(it.u->>'st', 'succeeded'),
      (it.u->>'lat')::int, h.credits, it.c, charge, capped, ov_charge, included, grants_json, now_ts)
    returning * into ev;

    -- The daily rollup is upserted once per distinct key per batch (below), not once per item.
    dd_action := dd_action || act;
    dd_model := dd_model || ev.model;
    dd_uid := dd_uid || uid;
    dd_kid := dd_kid || kid;
    dd_hit := dd_hit || (case when ev.cache_hit then 1 else 0 end)::bigint;
    dd_charge := dd_charge || charge;
    dd_ov := dd_ov || ov_charge;
    dd_incl := dd_incl || included;
    dd_it := dd_it || ev.input_tokens::bigint;
    dd_ot := dd_ot || ev.output_tokens::bigint;

    -- Notices: once per period per threshold (the unique index dedupes across batches/instances).
    notices := '[]'::jsonb;
    used_before := acc.period_used_credits + d_used;
    ov_before := acc.overage_used_credits + d_ov_used;
    if acc.soft_limit_credits is not null and used_before < acc.soft_limit_credits
       and used_before + charge >= acc.soft_limit_credits then
      ntf := null;
      insert into limit_notifications (account_id, kind, period_start, threshold, value)
      values (p_account, 'soft_limit', acc.period_start, acc.soft_limit_credits, used_before + charge)
      on conflict do nothing
      returning jsonb_build_object('kind', kind, 'threshold', threshold, 'value', value, 'periodStart', period_start) into ntf;
      if ntf is not null then notices := notices || jsonb_build_array(ntf); end if;
    end if;
    if limit_credits is not null and ov_charge > 0 and ov_before < limit_credits and ov_before + ov_charge >= limit_credits then
      ntf := null;
      insert into limit_notifications (account_id, kind, period_start, threshold, value)
      values (p_account, 'hard_limit', acc.period_start, limit_credits, ov_before + ov_charge)
      on conflict do nothing
      returning jsonb_build_object('kind', kind, 'threshold', threshold, 'value', value, 'periodStart', period_start) into ntf;
      if ntf is not null then notices := notices || jsonb_build_array(ntf); end if;
    end if;

    d_rem := d_rem + (charge - ov_charge);
    d_held := d_held + h.grant_credits;
    d_ov_held := d_ov_held + h.overage_credits;
    d_ov_used := d_ov_used + ov_charge;
    d_used := d_used + charge;
    d_incl := d_incl + included;
    results := results || jsonb_build_array(jsonb_build_object('r', it.r, 'ok', true, 'existing', false,
      'receipt', ledger_receipt_json(ev), 'notices', notices));
  end loop;

  for a in select x.id, sum(x.rem)::bigint as rem, sum(x.held)::bigint as held
             from unnest(cg_ids, cg_rem, cg_held) as x(id, rem, held) group by x.id loop
    d_rem := d_rem + ledger_grant_unhold(p_account, a.id, a.rem, a.held, now_ts);
  end loop;
  if array_length(dd_model, 1) > 0 then
    insert into usage_daily as d (account_id, day, action, model, user_id, api_key_id, requests, cache_hits,
      charged_credits, overage_credits, included_credits, input_tokens, output_tokens)
    select p_account, (now_ts at time zone 'UTC')::date, x.action, x.model, x.uid, x.kid, count(*), sum(x.hit),
           sum(x.charge), sum(x.ov), sum(x.incl), sum(x.it), sum(x.ot)
      from unnest(dd_action, dd_model, dd_uid, dd_kid, dd_hit, dd_charge, dd_ov, dd_incl, dd_it, dd_ot)
           as x(action, model, uid, kid, hit, charge, ov, incl, it, ot)
     group by x.action, x.model, x.uid, x.kid
    on conflict on constraint usage_daily_key_uq do update set
      requests = d.requests + excluded.requests, cache_hits = d.cache_hits + excluded.cache_hits,
      charged_credits = d.charged_credits + excluded.charged_credits,
      overage_credits = d.overage_credits + excluded.overage_credits,
      included_credits = d.included_credits + excluded.included_credits,
      input_tokens = d.input_tokens + excluded.input_tokens, output_tokens = d.output_tokens + excluded.output_tokens;
  end if;
  if d_used > 0 or d_held > 0 or d_ov_held > 0 then
    update account_ledger set remaining_credits = remaining_credits - d_rem, held_credits = held_credits - d_held,
      overage_held_credits = overage_held_credits - d_ov_held, overage_used_credits = overage_used_credits + d_ov_used,
      period_used_credits = period_used_credits + d_used, period_included_used_credits = period_included_used_credits + d_incl
     where account_id = p_account;
  end if;
  return results;
end
$$;
--> statement-breakpoint

-- items: [{ r, why }]. Releasing an unknown or already released request is a no-op;
-- releasing a captured one is a conflict. The caller holds the account_ledger row lock.
create or replace function ledger_release_items(p_account text, p_items jsonb) returns jsonb
language plpgsql as $$
declare
  now_ts timestamptz := now();
  it record;
  a record;
  h holds%rowtype;
  results jsonb := '[]'::jsonb;
  cg_ids text[] := '{}';
  cg_held bigint[] := '{}';
  d_held bigint := 0;
  d_ov_held bigint := 0;
  d_rem bigint := 0;
begin
  for it in select * from jsonb_to_recordset(p_items) as x(r text, why text) loop
    select * into h from holds where account_id = p_account and request_id = it.r;
    if not found or h.status = 'released' then
      results := results || jsonb_build_array(jsonb_build_object('r', it.r, 'ok', true, 'released', false));
      continue;
    elsif h.status = 'captured' then
      results := results || jsonb_build_array(jsonb_build_object('r', it.r, 'ok', false, 'err', 'conflict', 'status', h.status));
      continue;
    end if;
    for a in select * from jsonb_to_recordset(h.allocation) as y(g text, k text, c bigint) loop
      cg_ids := cg_ids || a.g;
      cg_held := cg_held || a.c;
      insert into ledger_entries (account_id, kind, grant_id, request_id, held_delta, reason, idempotency_key)
      values (p_account, 'release', a.g, it.r, -a.c, it.why, 'release:' || p_account || ':' || it.r || ':' || a.g);
    end loop;
    if h.overage_credits > 0 then
      insert into ledger_entries (account_id, kind, request_id, overage_held_delta, reason, idempotency_key)
      values (p_account, 'release', it.r, -h.overage_credits, it.why, 'release:' || p_account || ':' || it.r || ':overage');
    end if;
    update holds set status = 'released', release_reason = it.why, settled_at = now_ts where account_id = p_account and request_id = it.r;
    d_held := d_held + h.grant_credits;
    d_ov_held := d_ov_held + h.overage_credits;
    results := results || jsonb_build_array(jsonb_build_object('r', it.r, 'ok', true, 'released', true));
  end loop;
  for a in select x.id, sum(x.held)::bigint as held from unnest(cg_ids, cg_held) as x(id, held) group by x.id loop
    d_rem := d_rem + ledger_grant_unhold(p_account, a.id, 0, a.held, now_ts);
  end loop;
  if d_held > 0 or d_ov_held > 0 then
    update account_ledger set held_credits = held_credits - d_held, overage_held_credits = overage_held_credits - d_ov_held,
      remaining_credits = remaining_credits - d_rem
     where account_id = p_account;
  end if;
  return results;
end
$$;
--> statement-breakpoint

-- Runs one account's ops in submission order, as runs of the same kind ('r' reserve, 'c' capture,
-- 'x' release). The caller holds the account_ledger row lock.
create or replace function ledger_run_ops(p_account text, p_ops jsonb) returns jsonb
language plpgsql as $$
declare
  e record;
  res jsonb := '[]'::jsonb;
  run_op text;
  run_items jsonb := '[]'::jsonb;
begin
  for e in select x.v->>'o' as o, x.v->'i' as i from jsonb_array_elements(p_ops) with ordinality as x(v, n) order by x.n loop
    if run_op is not null and e.o <> run_op then
      res := res || ledger_run_items(p_account, run_op, run_items);
      run_items := '[]'::jsonb;
    end if;
    run_op := e.o;
    run_items := run_items || jsonb_build_array(e.i);
  end loop;
  if run_op is not null then res := res || ledger_run_items(p_account, run_op, run_items); end if;
  return res;
end
$$;
--> statement-breakpoint

create or replace function ledger_run_items(p_account text, p_op text, p_items jsonb) returns jsonb
language plpgsql as $$
begin
  return case p_op
    when 'r' then ledger_reserve_items(p_account, p_items)
    when 'c' then ledger_capture_items(p_account, p_items)
    when 'x' then ledger_release_items(p_account, p_items)
  end;
end
$$;
--> statement-breakpoint

-- The batch entry point (lib/ledger/combiner.ts): ops of many accounts in one transaction and
-- one commit. p_batches: [{ a: accountId, ops: [{ o, i }] }]. Returns [{ a, results }] or
-- [{ a, skipped: true }] / [{ a, missing: true }].
-- With p_wait = false an account whose row is locked by another transaction is skipped (SKIP
-- LOCKED) rather than waited for, so a batch never waits on any account's lock and the accounts
-- in it never wait on each other; the caller retries a skipped account alone with p_wait = true,
-- which waits only for that account's own lock.
create or replace function ledger_apply(p_batches jsonb, p_wait boolean) returns jsonb
language plpgsql as $$
declare
  b record;
  got text;
  acc_out jsonb := '[]'::jsonb;
begin
  for b in select x.a, x.ops from jsonb_to_recordset(p_batches) as x(a text, ops jsonb) loop
    got := null;
    if p_wait then
      select account_id into got from account_ledger where account_id = b.a for update;
    else
      select account_id into got from account_ledger where account_id = b.a for update skip locked;
    end if;
    if got is null then
      if exists (select 1 from account_ledger where account_id = b.a) then
        acc_out := acc_out || jsonb_build_array(jsonb_build_object('a', b.a, 'skipped', true));
      else
        acc_out := acc_out || jsonb_build_array(jsonb_build_object('a', b.a, 'missing', true));
      end if;
      continue;
    end if;
    acc_out := acc_out || jsonb_build_array(jsonb_build_object('a', b.a, 'results', ledger_run_ops(b.a, b.ops)));
  end loop;
  return acc_out;
end
$$;
--> statement-breakpoint

-- Releases this account's holds whose expires_at has passed (their request died). Returns how many.
create or replace function ledger_sweep_holds(p_account text, p_now timestamptz) returns int
language plpgsql as $$
declare
  items jsonb;
  res jsonb;
begin
  perform 1 from account_ledger where account_id = p_account for update;
  select jsonb_agg(jsonb_build_object('r', request_id, 'why', 'expired')) into items
    from holds where account_id = p_account and status = 'held' and expires_at <= p_now;
  if items is null then return 0; end if;
  res := ledger_release_items(p_account, items);
  return (select count(*) from jsonb_array_elements(res) x where (x->>'released')::boolean);
end
$$;
--> statement-breakpoint

-- g: { id, kind, c, exp, prio, src, reason, actor, cents }. Unique on source_ref: granting the
-- same source twice returns the first grant (created = false).
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
