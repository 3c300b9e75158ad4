import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { catalog } from "@/lib/config/catalog";
import type { PlatformAdmin } from "./authz";

const DAY_MS = 86_400_000;

export type PlatformOverview = {
  accounts: { total: number; activeLast30Days: number; frozen: number; pastDue: number };
  creditsPerDay: { day: string; credits: number }[];
  revenueCents: { packs: number; subscriptions: number; overage: number; total: number };
  flaggedInvoices: { id: string; accountId: string; invoiceId: string; totalCents: number; previousTotalCents: number; increaseBps: number; currency: string; createdAt: Date }[];
  divergences: { id: string; accountId: string; ledgerCredits: number; stripeCredits: number; divergenceBps: number; detectedAt: Date }[];
  trips: { id: string; accountId: string; scope: string; cause: string; trippedAt: Date; resumedAt: Date | null }[];
};

/** Overage price per credit as Stripe bills it (the Pro plan's exact price, not the ledger's rounded one). */
function overageCentsFor(credits: number): number {
  const o = catalog.plans.pro.stripe?.overage;
  return o ? Math.round((credits * o.centsPerUnit) / o.unitCredits) : 0;
}

/**
 * The platform at a glance, over the last `days` days. Revenue by source: packs = paid purchases
 * net of refunds; overage = overage credits Stripe was sent, at the overage price; subscriptions =
 * what paid invoices collected minus that overage. Reads rollups and small tables only.
 */
export async function getPlatformOverview(db: Db, _admin: PlatformAdmin, options: { days?: number; now?: Date } = {}): Promise<PlatformOverview> {
  const days = options.days ?? 30;
  const since = new Date((options.now ?? new Date()).getTime() - days * DAY_MS).toISOString();
  const q = async <T>(query: ReturnType<typeof sql>) => (await db.execute(query)) as unknown as T[];
  const [acc, perDay, packs, invoices, overage, flags, divs, trips] = await Promise.all([
    q<{ total: number; active: number; frozen: number; past_due: number }>(sql`
      select count(*)::int as total,
             count(*) filter (where exists (select 1 from usage_daily d where d.account_id = a.id and d.day >= ${since}::date))::int as active,
             count(*) filter (where a.status = 'frozen')::int as frozen,
             count(*) filter (where a.status = 'past_due')::int as past_due
        from accounts a`),
    q<{ day: string; credits: string }>(sql`select day::text as day, sum(charged_credits)::bigint as credits from usage_daily where day >= ${since}::date group by day order by day`),
    q<{ cents: string | null }>(sql`select sum(amount_cents - refunded_cents)::bigint as cents from billing_purchases where status in ('paid', 'partially_refunded', 'refunded') and created_at >= ${since}::timestamptz`),
    q<{ cents: string | null }>(sql`select sum(amount_paid_cents)::bigint as cents from billing_invoices where status = 'paid' and stripe_created_at >= ${since}::timestamptz`),
    q<{ credits: string | null }>(sql`select sum(credits)::bigint as credits from meter_reports where status = 'sent' and event_at >= ${since}::timestamptz`),
    q<{ id: string; account_id: string; invoice_id: string; total_cents: string; previous_total_cents: string; increase_bps: number; currency: string; created_at: string }>(
      sql`select id, account_id, invoice_id, total_cents, previous_total_cents, increase_bps, currency, created_at from invoice_flags where status = 'open' order by created_at desc limit 50`,
    ),
    q<{ id: string; account_id: string; ledger_credits: string; stripe_credits: string; divergence_bps: number; detected_at: string }>(
      sql`select id, account_id, ledger_credits, stripe_credits, divergence_bps, detected_at from billing_divergences where resolved_at is null order by detected_at desc limit 50`,
    ),
    q<{ id: string; account_id: string; scope: string; cause: string; tripped_at: string; resumed_at: string | null }>(
      sql`select id, account_id, scope, cause, tripped_at, resumed_at from breaker_trips where tripped_at >= ${since}::timestamptz order by tripped_at desc limit 50`,
    ),
  ]);
  const packsCents = Number(packs[0]?.cents ?? 0);
  const overageCents = overageCentsFor(Number(overage[0]?.credits ?? 0));
  const subscriptionsCents = Math.max(0, Number(invoices[0]?.cents ?? 0) - overageCents);
  return {
    accounts: { total: acc[0]?.total ?? 0, activeLast30Days: acc[0]?.active ?? 0, frozen: acc[0]?.frozen ?? 0, pastDue: acc[0]?.past_due ?? 0 },
    creditsPerDay: perDay.map((r) => ({ day: r.day, credits: Number(r.credits) })),
    revenueCents: { packs: packsCents, subscriptions: subscriptionsCents, overage: overageCents, total: packsCents + subscriptionsCents + overageCents },
    flaggedInvoices: flags.map((f) => ({ id: f.id, accountId: f.account_id, invoiceId: f.invoice_id, totalCents: Number(f.total_cents), previousTotalCents: Number(f.previous_total_cents), increaseBps: f.increase_bps, currency: f.currency, createdAt: new Date(f.created_at) })),
    divergences: divs.map((d) => ({ id: d.id, accountId: d.account_id, ledgerCredits: Number(d.ledger_credits), stripeCredits: Number(d.stripe_credits), divergenceBps: d.divergence_bps, detectedAt: new Date(d.detected_at) })),
    trips: trips.map((t) => ({ id: t.id, accountId: t.account_id, scope: t.scope, cause: t.cause, trippedAt: new Date(t.tripped_at), resumedAt: t.resumed_at ? new Date(t.resumed_at) : null })),
  };
}
