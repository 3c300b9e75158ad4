import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import type { PlatformAdmin } from "./authz";

export type CustomerRow = {
  id: string;
  name: string;
  kind: string;
  plan: string;
  status: string;
  ownerEmail: string | null;
  availableCredits: number;
  periodUsedCredits: number;
  overageCredits: number;
  overageCents: number;
  lastActivityAt: Date | null;
};

/**
 * The customers list: search by name, account id or any member's email. One query; the last
 * activity is the newest receipt per account, read through its (account_id, created_at) index.
 */
export async function searchCustomers(db: Db, _admin: PlatformAdmin, input: { q?: string; limit?: number } = {}): Promise<CustomerRow[]> {
  const q = (input.q ?? "").trim();
  const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const filter = q
    ? sql`and (a.name ilike ${like} or a.id = ${q} or exists (select 1 from memberships m join users u on u.id = m.user_id where m.account_id = a.id and u.email ilike ${like}))`
    : sql``;
  const rows = (await db.execute(sql`
    select a.id, a.name, a.kind, a.plan, a.status,
           (select u.email from memberships m join users u on u.id = m.user_id where m.account_id = a.id and m.role = 'owner' order by m.created_at limit 1) as owner_email,
           coalesce(l.remaining_credits - l.held_credits, 0)::bigint as available,
           coalesce(l.period_used_credits, 0)::bigint as used,
           coalesce(l.overage_used_credits, 0)::bigint as overage,
           coalesce(ceil(l.overage_used_credits * l.overage_price_cents_per_1000_credits / 1000.0), 0)::bigint as overage_cents,
           (select e.created_at from usage_events e where e.account_id = a.id order by e.created_at desc limit 1) as last_activity
      from accounts a left join account_ledger l on l.account_id = a.id
     where true ${filter}
     order by last_activity desc nulls last, a.created_at desc
     limit ${Math.min(input.limit ?? 50, 200)}`)) as unknown as {
    id: string; name: string; kind: string; plan: string; status: string; owner_email: string | null;
    available: string | number; used: string | number; overage: string | number; overage_cents: string | number; last_activity: string | Date | null;
  }[];
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    kind: r.kind,
    plan: r.plan,
    status: r.status,
    ownerEmail: r.owner_email,
    availableCredits: Number(r.available),
    periodUsedCredits: Number(r.used),
    overageCredits: Number(r.overage),
    overageCents: Number(r.overage_cents),
    lastActivityAt: r.last_activity ? new Date(r.last_activity) : null,
  }));
}
