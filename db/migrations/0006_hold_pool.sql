-- ledger_apply as in 0005_ledger_apply_lean.sql, plus holds placed ahead of demand (the gateway's
-- hold pool, lib/gateway/hold-pool.ts). A reserve op whose item carries 'p' is such a hold: it is
-- declined (err 'declined', nothing written) unless it comes whole from grants — never overage — and
-- leaves at least 'p' credits of grants available after it. The check runs under the account's row
-- lock with the hold's own placement, so however many processes pool for one account, pooled holds
-- never take an account's last credits: near the end of a balance every request holds for itself,
-- exactly as without a pool. Everything else is unchanged.
create or replace function ledger_apply(p_batches jsonb, p_wait boolean) returns jsonb
language plpgsql as $$
declare
  now_ts timestamptz := now();
  bi int;       -- batch index in p_batches
  ba text;      -- its account
  bops jsonb;   -- its ops
  ei int;       -- op index in bops
  eo text;      -- its kind: 'r' | 'c' | 'x'
  eii jsonb;    -- its item
  acc account_ledger%rowtype;
  h holds%rowtype;
  gu record;
  -- Accumulators are arrays appended in place (array_append on a PL/pgSQL variable is O(1));
  -- growing a jsonb array with || would copy it on every append.
  all_out jsonb[] := '{}';
  res jsonb[];
  j_rows jsonb[] := '{}';   -- journal rows, all accounts
  ue_rows jsonb[] := '{}';  -- receipts (usage_events rows), all accounts
  row_json jsonb;
  -- per account
  loaded boolean;
  g_ids text[];
  g_kinds text[];
  g_avail bigint[];
  n int;
  k int;
  idx int;
  -- Grants this account's ops touched, one entry per grant (written once, at the end): credits
  -- charged and the change in held credits.
  tg_ids text[];
  tg_charged bigint[];
  tg_held bigint[];
  grants_avail bigint;
  limit_credits bigint;
  ov_committed bigint;  -- overage used + held this period, as of this point in the call
  d_rem bigint;
  d_held bigint;
  d_ov_held bigint;
  d_ov_used bigint;
  d_used bigint;
  d_incl bigint;
  -- per op
  r text;
  c bigint;
  u jsonb;
  err text;
  gpart bigint;
  ov bigint;
  left_c bigint;
  t bigint;
  a_ids text[];
  a_kinds text[];
  a_credits bigint[];
  exp_ts timestamptz;
  inserted text;
  charge bigint;
  ov_charge bigint;
  included bigint;
  grants_json jsonb;
  uid text;
  kid text;
  act text;
  notices jsonb;
  ntf jsonb;
  used_before bigint;
  ov_before bigint;
  x bigint;
  ti int;      -- index into tg_ids
begin
  for bi in 0 .. jsonb_array_length(p_batches) - 1 loop
    ba := p_batches->bi->>'a';
    bops := p_batches->bi->'ops';
    if p_wait then
      select * into acc from account_ledger where account_id = ba for update;
    else
      select * into acc from account_ledger where account_id = ba for update skip locked;
    end if;
    if not found then
      if exists (select 1 from account_ledger where account_id = ba) then
        all_out := array_append(all_out, jsonb_build_object('a', ba, 'skipped', true));
      else
        all_out := array_append(all_out, jsonb_build_object('a', ba, 'missing', true));
      end if;
      continue;
    end if;

    res := '{}';
    loaded := false;
    n := 0;
    tg_ids := '{}'; tg_charged := '{}'; tg_held := '{}';
    grants_avail := 0;
    ov_committed := acc.overage_used_credits + acc.overage_held_credits;
    d_rem := 0; d_held := 0; d_ov_held := 0; d_ov_used := 0; d_used := 0; d_incl := 0;
    limit_credits := case when acc.hard_limit is null then null when acc.hard_limit_unit = 'credits' then acc.hard_limit
                      when acc.overage_price_cents_per_1000_credits <= 0 then null
                      else (acc.hard_limit * 1000) / acc.overage_price_cents_per_1000_credits end;

    for ei in 0 .. jsonb_array_length(bops) - 1 loop
      eo := bops->ei->>'o';
      eii := bops->ei->'i';
      r := eii->>'r';

      if eo = 'r' then
        ---------------------------------------------------------------- reserve
        c := (eii->>'c')::bigint;
        if not loaded then
          -- Spendable grants in burn order: soonest expiry first (never-expiring last), then
          -- priority (free/allowance before purchased), then oldest. Expired or voided grants are
          -- never spent, even before the expiry job has swept them. Fully held grants are loaded
          -- too: a capture or release in this same call can give credits back to them.
          select array_agg(g.id order by g.expires_at asc nulls last, g.priority, g.created_at, g.id),
                 array_agg(g.kind order by g.expires_at asc nulls last, g.priority, g.created_at, g.id),
                 array_agg(g.remaining_credits - g.held_credits order by g.expires_at asc nulls last, g.priority, g.created_at, g.id),
                 coalesce(sum(g.remaining_credits - g.held_credits), 0)::bigint
            into g_ids, g_kinds, g_avail, grants_avail
            from credit_grants g
           where g.account_id = ba and g.voided_at is null and g.remaining_credits > 0
             and (g.expires_at is null or g.expires_at > now_ts);
          n := coalesce(array_length(g_ids, 1), 0);
          -- Apply what earlier ops in this call did to these grants (written at the end).
          for k in 1..coalesce(array_length(tg_ids, 1), 0) loop
            idx := array_position(g_ids, tg_ids[k]);
            if idx is not null then
              g_avail[idx] := g_avail[idx] - tg_held[k] - tg_charged[k];
              grants_avail := grants_avail - tg_held[k] - tg_charged[k];
            end if;
          end loop;
          loaded := true;
        end if;

        err := null;
        gpart := least(c, grants_avail);
        ov := c - gpart;
        if acc.status = 'frozen' then
          err := 'account_frozen';
        elsif eii ? 'p' and (ov > 0 or grants_avail - gpart < (eii->>'p')::bigint) then
          err := 'declined';  -- a hold ahead of demand: only from grants, never the last of them
        elsif ov > 0 then
          if not acc.overage_allowed then
            err := 'insufficient_credits';
          elsif acc.block_overage then
            err := 'overage_blocked';
          elsif limit_credits is not null and ov_committed + ov > limit_credits then
            err := 'hard_limit_reached';
          end if;
        end if;

        inserted := null;
        if err is null then
          -- Allocate over the grants in burn order (no writes yet).
          a_ids := '{}'; a_kinds := '{}'; a_credits := '{}';
          left_c := gpart;
          k := 1;
          while left_c > 0 and k <= n loop
            if g_avail[k] > 0 then
              t := least(g_avail[k], left_c);
              a_ids := a_ids || g_ids[k]; a_kinds := a_kinds || g_kinds[k]; a_credits := a_credits || t;
              left_c := left_c - t;
            end if;
            k := k + 1;
          end loop;
          exp_ts := now_ts + make_interval(secs => coalesce((eii->>'t')::int, 600));
          insert into holds (id, account_id, request_id, credits, grant_credits, overage_credits, alloc_grant_ids, alloc_kinds,
                             alloc_credits, status, expires_at, meta, created_at)
          values (eii->>'h', ba, r, c, gpart, ov, a_ids, a_kinds, a_credits, 'held', exp_ts, eii->'m', now_ts)
          on conflict do nothing
          returning id into inserted;
        end if;

        if inserted is not null then
          for k in 1..coalesce(array_length(a_ids, 1), 0) loop
            idx := array_position(g_ids, a_ids[k]);
            g_avail[idx] := g_avail[idx] - a_credits[k];
            ti := array_position(tg_ids, a_ids[k]);
            if ti is null then
              tg_ids := tg_ids || a_ids[k]; tg_charged := tg_charged || 0::bigint; tg_held := tg_held || a_credits[k];
            else
              tg_held[ti] := tg_held[ti] + a_credits[k];
            end if;
            j_rows := array_append(j_rows, jsonb_build_object('account_id', ba, 'kind', 'hold', 'grant_id', a_ids[k],
              'request_id', r, 'held_delta', a_credits[k], 'idempotency_key', 'hold:' || ba || ':' || r || ':' || a_ids[k]));
          end loop;
          if ov > 0 then
            j_rows := array_append(j_rows, jsonb_build_object('account_id', ba, 'kind', 'hold', 'request_id', r,
              'overage_held_delta', ov, 'idempotency_key', 'hold:' || ba || ':' || r || ':overage'));
          end if;
          ov_committed := ov_committed + ov;
          grants_avail := grants_avail - gpart;
          d_held := d_held - gpart;  -- d_held counts held credits released; negative = newly held
          d_ov_held := d_ov_held - ov;
          res := array_append(res, jsonb_build_object('r', r, 'ok', true, 'existing', false, 'h', inserted,
            'c', c, 'gc', gpart, 'oc', ov, 'e', exp_ts));
        else
          -- Refused or a repeat: a hold that already exists for this request wins either way.
          select * into h from holds where account_id = ba and request_id = r;
          if found and h.status = 'held' then
            res := array_append(res, jsonb_build_object('r', r, 'ok', true, 'existing', true, 'h', h.id,
              'c', h.credits, 'gc', h.grant_credits, 'oc', h.overage_credits, 'e', h.expires_at));
          elsif found then
            res := array_append(res, jsonb_build_object('r', r, 'ok', false, 'err', 'conflict', 'status', h.status));
          else
            res := array_append(res, jsonb_build_object('r', r, 'ok', false, 'err', err,
              'availableCredits', grants_avail, 'requestedCredits', c,
              'overageAllowed', acc.overage_allowed and not acc.block_overage,
              'overageRoomCredits', case when not acc.overage_allowed or acc.block_overage then 0
                                         when limit_credits is null then null
                                         else greatest(limit_credits - ov_committed, 0) end));
          end if;
        end if;

      elsif eo = 'c' then
        ---------------------------------------------------------------- capture
        c := (eii->>'c')::bigint;
        u := eii->'u';
        update holds set status = 'captured', settled_at = now_ts
         where account_id = ba and request_id = r and status = 'held'
         returning * into h;
        if not found then
          select * into h from holds where account_id = ba and request_id = r;
          if not found then
            res := array_append(res, jsonb_build_object('r', r, 'ok', false, 'err', 'not_found'));
          elsif h.status = 'captured' then
            select to_jsonb(ev) into row_json from usage_events ev where ev.account_id = ba and ev.request_id = r;
            if row_json is null then  -- captured earlier in this same call
              select q.v into row_json from unnest(ue_rows) as q(v) where q.v->>'account_id' = ba and q.v->>'request_id' = r;
            end if;
            res := array_append(res, jsonb_build_object('r', r, 'ok', true, 'existing', true, 'receipt', row_json, 'notices', '[]'::jsonb));
          else
            res := array_append(res, jsonb_build_object('r', r, 'ok', false, 'err', 'conflict', 'status', h.status));
          end if;
          continue;
        end if;

        -- Charge min(requested, held) in the hold's own burn order: its grants first, then its
        -- overage part; whatever is not charged goes back.
        charge := least(c, h.credits);
        left_c := charge;
        included := 0;
        grants_json := '[]'::jsonb;
        for k in 1..coalesce(array_length(h.alloc_grant_ids, 1), 0) loop
          t := least(h.alloc_credits[k], left_c);
          left_c := left_c - t;
          ti := array_position(tg_ids, h.alloc_grant_ids[k]);
          if ti is null then
            tg_ids := tg_ids || h.alloc_grant_ids[k]; tg_charged := tg_charged || t; tg_held := tg_held || (-h.alloc_credits[k]);
          else
            tg_charged[ti] := tg_charged[ti] + t; tg_held[ti] := tg_held[ti] - h.alloc_credits[k];
          end if;
          if loaded then
            idx := array_position(g_ids, h.alloc_grant_ids[k]);
            if idx is not null then
              g_avail[idx] := g_avail[idx] + h.alloc_credits[k] - t;
              grants_avail := grants_avail + h.alloc_credits[k] - t;
            end if;
          end if;
          j_rows := array_append(j_rows, jsonb_build_object('account_id', ba, 'kind', 'capture', 'grant_id', h.alloc_grant_ids[k],
            'request_id', r, 'remaining_delta', -t, 'held_delta', -h.alloc_credits[k],
            'idempotency_key', 'capture:' || ba || ':' || r || ':' || h.alloc_grant_ids[k]));
          if t > 0 then
            grants_json := grants_json || jsonb_build_array(jsonb_build_object('grantId', h.alloc_grant_ids[k], 'kind', h.alloc_kinds[k], 'credits', t));
            if h.alloc_kinds[k] = 'plan_allowance' then included := included + t; end if;
          end if;
        end loop;
        ov_charge := left_c;
        -- Overage charged in a period never passes the hard limit, even for a hold admitted
        -- before the limit was lowered: the excess is not charged (it shows as capped).
        if limit_credits is not null then
          ov_charge := least(ov_charge, greatest(limit_credits - acc.overage_used_credits - d_ov_used, 0));
        end if;
        charge := charge - left_c + ov_charge;
        if h.overage_credits > 0 then
          j_rows := array_append(j_rows, jsonb_build_object('account_id', ba, 'kind', 'capture', 'request_id', r,
            'overage_held_delta', -h.overage_credits, 'overage_used_delta', ov_charge,
            'idempotency_key', 'capture:' || ba || ':' || r || ':overage'));
        end if;

        uid := coalesce(u->>'uid', h.meta->>'userId');
        kid := coalesce(u->>'kid', h.meta->>'apiKeyId');
        act := coalesce(u->>'action', h.meta->>'action');
        row_json := jsonb_build_object('account_id', ba, 'request_id', r, 'user_id', uid, 'api_key_id', kid, 'action', act,
          'model', u->>'model', 'input_tokens', (u->>'it')::int, 'output_tokens', (u->>'ot')::int,
          'cached_tokens', coalesce((u->>'ct')::int, 0), 'cache_hit', coalesce((u->>'ch')::boolean, false),
          'status', coalesce(u->>'st', 'succeeded'), 'latency_ms', (u->>'lat')::int, 'held_credits', h.credits,
          'requested_credits', c, 'charged_credits', charge, 'capped_credits', c - charge, 'overage_credits', ov_charge,
          'included_credits', included, 'grants', grants_json, 'created_at', now_ts);
        ue_rows := array_append(ue_rows, row_json);

        -- Notices: once per period per threshold (the unique index dedupes across calls and instances).
        notices := '[]'::jsonb;
        used_before := acc.period_used_credits + d_used;
        ov_before := acc.overage_used_credits + d_ov_used;
        if acc.soft_limit_credits is not null and used_before < acc.soft_limit_credits and used_before + charge >= acc.soft_limit_credits then
          ntf := null;
          insert into limit_notifications (account_id, kind, period_start, threshold, value)
          values (ba, 'soft_limit', acc.period_start, acc.soft_limit_credits, used_before + charge)
          on conflict do nothing
          returning jsonb_build_object('kind', kind, 'threshold', threshold, 'value', value, 'periodStart', period_start) into ntf;
          if ntf is not null then notices := notices || jsonb_build_array(ntf); end if;
        end if;
        if limit_credits is not null and ov_charge > 0 and ov_before < limit_credits and ov_before + ov_charge >= limit_credits then
          ntf := null;
          insert into limit_notifications (account_id, kind, period_start, threshold, value)
          values (ba, 'hard_limit', acc.period_start, limit_credits, ov_before + ov_charge)
          on conflict do nothing
          returning jsonb_build_object('kind', kind, 'threshold', threshold, 'value', value, 'periodStart', period_start) into ntf;
          if ntf is not null then notices := notices || jsonb_build_array(ntf); end if;
        end if;

        ov_committed := ov_committed - h.overage_credits + ov_charge;
        d_rem := d_rem + (charge - ov_charge);
        d_held := d_held + h.grant_credits;
        d_ov_held := d_ov_held + h.overage_credits;
        d_ov_used := d_ov_used + ov_charge;
        d_used := d_used + charge;
        d_incl := d_incl + included;
        res := array_append(res, jsonb_build_object('r', r, 'ok', true, 'existing', false, 'receipt', row_json, 'notices', notices));

      else
        ---------------------------------------------------------------- release
        update holds set status = 'released', release_reason = eii->>'why', settled_at = now_ts
         where account_id = ba and request_id = r and status = 'held'
         returning * into h;
        if not found then
          -- Unknown or already released: nothing to do. Captured: too late to release.
          select * into h from holds where account_id = ba and request_id = r;
          if found and h.status = 'captured' then
            res := array_append(res, jsonb_build_object('r', r, 'ok', false, 'err', 'conflict', 'status', h.status));
          else
            res := array_append(res, jsonb_build_object('r', r, 'ok', true, 'released', false));
          end if;
          continue;
        end if;
        for k in 1..coalesce(array_length(h.alloc_grant_ids, 1), 0) loop
          ti := array_position(tg_ids, h.alloc_grant_ids[k]);
          if ti is null then
            tg_ids := tg_ids || h.alloc_grant_ids[k]; tg_charged := tg_charged || 0::bigint; tg_held := tg_held || (-h.alloc_credits[k]);
          else
            tg_held[ti] := tg_held[ti] - h.alloc_credits[k];
          end if;
          if loaded then
            idx := array_position(g_ids, h.alloc_grant_ids[k]);
            if idx is not null then
              g_avail[idx] := g_avail[idx] + h.alloc_credits[k];
              grants_avail := grants_avail + h.alloc_credits[k];
            end if;
          end if;
          j_rows := array_append(j_rows, jsonb_build_object('account_id', ba, 'kind', 'release', 'grant_id', h.alloc_grant_ids[k],
            'request_id', r, 'held_delta', -h.alloc_credits[k], 'reason', eii->>'why',
            'idempotency_key', 'release:' || ba || ':' || r || ':' || h.alloc_grant_ids[k]));
        end loop;
        if h.overage_credits > 0 then
          j_rows := array_append(j_rows, jsonb_build_object('account_id', ba, 'kind', 'release', 'request_id', r,
            'overage_held_delta', -h.overage_credits, 'reason', eii->>'why',
            'idempotency_key', 'release:' || ba || ':' || r || ':overage'));
        end if;
        ov_committed := ov_committed - h.overage_credits;
        d_held := d_held + h.grant_credits;
        d_ov_held := d_ov_held + h.overage_credits;
        res := array_append(res, jsonb_build_object('r', r, 'ok', true, 'released', true));
      end if;
    end loop;

    -- This account's grants: one update per touched grant. Credits a settled hold gives back to a
    -- grant that has expired meanwhile (or was voided by a full refund) are never spendable again,
    -- so they are expired (voided) right here, with their journal entry, rather than at the next
    -- expiry run.
    if cardinality(tg_ids) > 0 then
      for k in 1 .. cardinality(tg_ids) loop
        update credit_grants set remaining_credits = remaining_credits - tg_charged[k], held_credits = held_credits + tg_held[k]
         where id = tg_ids[k]
         returning remaining_credits, held_credits, expires_at, voided_at into gu;
        if gu.remaining_credits > gu.held_credits and (gu.voided_at is not null or gu.expires_at <= now_ts) then
          x := gu.remaining_credits - gu.held_credits;
          update credit_grants set remaining_credits = held_credits,
            expired_at = case when voided_at is null then coalesce(expired_at, now_ts) else expired_at end
           where id = tg_ids[k];
          j_rows := array_append(j_rows, jsonb_build_object('account_id', ba,
            'kind', case when gu.voided_at is not null then 'void' else 'expire' end, 'grant_id', tg_ids[k],
            'remaining_delta', -x, 'idempotency_key', 'expire:' || tg_ids[k] || ':' || gu.held_credits));
          d_rem := d_rem + x;
        end if;
      end loop;
    end if;

    if d_rem <> 0 or d_held <> 0 or d_ov_held <> 0 or d_ov_used <> 0 or d_used <> 0 then
      update account_ledger set remaining_credits = remaining_credits - d_rem, held_credits = held_credits - d_held,
        overage_held_credits = overage_held_credits - d_ov_held, overage_used_credits = overage_used_credits + d_ov_used,
        period_used_credits = period_used_credits + d_used, period_included_used_credits = period_included_used_credits + d_incl
       where account_id = ba;
    end if;
    all_out := array_append(all_out, jsonb_build_object('a', ba, 'results', to_jsonb(res)));
  end loop;

  -- Append-only rows of every account in this call, one statement each.
  if cardinality(ue_rows) > 0 then
    with ue as (select x.* from unnest(ue_rows) as q(v), jsonb_populate_record(null::usage_events, q.v) as x),
         ins_events as (insert into usage_events select * from ue),
         ins_outbox as (insert into meter_outbox (account_id, request_id, credits, created_at)
                        select account_id, request_id, overage_credits, created_at from ue where overage_credits > 0)
    insert into usage_daily as d (account_id, day, action, model, user_id, api_key_id, requests, cache_hits,
      charged_credits, overage_credits, included_credits, input_tokens, output_tokens)
    select ue.account_id, (now_ts at time zone 'UTC')::date, ue.action, ue.model, ue.user_id, ue.api_key_id, count(*),
           count(*) filter (where ue.cache_hit), sum(ue.charged_credits), sum(ue.overage_credits), sum(ue.included_credits),
           sum(ue.input_tokens), sum(ue.output_tokens)
      from ue group by ue.account_id, ue.action, ue.model, ue.user_id, ue.api_key_id
    on conflict on constraint usage_daily_key_uq do update set
      requests = d.requests + excluded.requests, cache_hits = d.cache_hits + excluded.cache_hits,
      charged_credits = d.charged_credits + excluded.charged_credits,
      overage_credits = d.overage_credits + excluded.overage_credits,
      included_credits = d.included_credits + excluded.included_credits,
      input_tokens = d.input_tokens + excluded.input_tokens, output_tokens = d.output_tokens + excluded.output_tokens;
  end if;
  if cardinality(j_rows) > 0 then
    insert into ledger_entries (account_id, kind, grant_id, request_id, remaining_delta, held_delta, overage_held_delta,
      overage_used_delta, idempotency_key, reason, created_at)
    select q.account_id, q.kind, q.grant_id, q.request_id, coalesce(q.remaining_delta, 0), coalesce(q.held_delta, 0),
           coalesce(q.overage_held_delta, 0), coalesce(q.overage_used_delta, 0), q.idempotency_key, q.reason, now_ts
      from unnest(j_rows) as u(v), jsonb_to_record(u.v) as q(account_id text, kind text, grant_id text, request_id text, remaining_delta bigint,
           held_delta bigint, overage_held_delta bigint, overage_used_delta bigint, idempotency_key text, reason text);
  end if;
  return to_jsonb(all_out);
end
$$;
