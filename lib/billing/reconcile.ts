import { and, desc, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import type Stripe from "stripe";
import type { Db } from "@/db/client";
import { billingDivergences, billingInvoices, billingSubscriptions } from "@/db/schema";
import { newId } from "@/lib/ids";
import { MAX_AGE_MS } from "./meter/send-reports";
import { overageMeterIdOrThrow } from "./prices";
import { LIVE_STATUSES } from "./subscription-sync";

/** Divergences above this share of the ledger's overage are recorded for admins. */
export const DIVERGENCE_THRESHOLD_BPS = 100; // 1%

/** |ledger − stripe| / ledger in basis points; any Stripe usage against a ledger of zero is 100%. */
export function divergenceBps(ledgerCredits: number, stripeCredits: number): number {
  const diff = Math.abs(ledgerCredits - stripeCredits);
  if (diff === 0) return 0;
  if (ledgerCredits === 0) return 10_000;
  return Math.min(2_000_000_000, Math.round((diff * 10_000) / ledgerCredits));
}

/** Exact (no rounding): over 1% of the ledger's overage; any Stripe usage against zero counts. */
export const isDivergent = (ledgerCredits: number, stripeCredits: number) =>
  Math.abs(ledgerCredits - stripeCredits) * 10_000 > DIVERGENCE_THRESHOLD_BPS * ledgerCredits && ledgerCredits !== stripeCredits;

export type ReconcileLine = {
  accountId: string;
  customerId: string;
  periodStart: Date;
  periodEnd: Date;
  /** The compared window: [windowStart, windowEnd), minute-aligned, inside the period up to the cut-off. */
  windowStart: Date;
  windowEnd: Date;
  ledgerCredits: number;
  stripeCredits: number;
  bps: number;
  /** pending: the window is empty (the period starts after the cut-off). */
  result: "ok" | "divergent" | "pending";
};

/** Overage sent in the last few minutes may not be in Stripe's summaries yet; compare up to this long ago. */
export const RECONCILE_SETTLE_MS = 5 * 60_000;

const MINUTE_MS = 60_000;
const floorMinute = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;
const ceilMinute = (ms: number) => Math.ceil(ms / MINUTE_MS) * MINUTE_MS;

/**
 * The ledger's overage that Stripe has been sent, in a window: every sent meter report placed at
 * the timestamp it was sent with (its newest capture, clamped to the oldest day Stripe accepts
 * when it was sent). What is still in the outbox is the flush's business, not a divergence, so
 * steady overage never stops the comparison.
 */
async function ledgerOverageSent(db: Db, accountId: string, start: Date, end: Date): Promise<number> {
  const [row] = (await db.execute(sql`
    select coalesce(sum(r.credits), 0)::bigint as credits
      from meter_reports r
     where r.account_id = ${accountId} and r.status = 'sent'
       and greatest(r.event_at, r.sent_at - make_interval(secs => ${MAX_AGE_MS / 1000})) >= ${start.toISOString()}::timestamptz
       and greatest(r.event_at, r.sent_at - make_interval(secs => ${MAX_AGE_MS / 1000})) < ${end.toISOString()}::timestamptz`)) as unknown as { credits: string | number }[];
  return Number(row?.credits ?? 0);
}

async function stripeOverage(stripe: Stripe, meterId: string, customerId: string, start: Date, end: Date): Promise<number> {
  let total = 0;
  for await (const s of stripe.billing.meters.listEventSummaries(meterId, { customer: customerId, start_time: start.getTime() / 1000, end_time: end.getTime() / 1000 })) {
    total += s.aggregated_value;
  }
  return total;
}

/**
 * Compares one customer's period, both sides over the same window — from the period start up to
 * its end or the cut-off (`now` − RECONCILE_SETTLE_MS), whichever is first, widened/narrowed to
 * whole minutes as Stripe's summaries need — and records (or clears) a divergence.
 */
export async function reconcileAccount(
  deps: { db: Db; stripe: Stripe },
  input: { accountId: string; customerId: string; periodStart: Date; periodEnd: Date; meterId?: string; now?: Date },
): Promise<ReconcileLine> {
  const cutoff = (input.now ?? new Date()).getTime() - RECONCILE_SETTLE_MS;
  const windowStart = new Date(floorMinute(input.periodStart.getTime()));
  const windowEnd = new Date(Math.min(ceilMinute(input.periodEnd.getTime()), floorMinute(cutoff)));
  const empty = { accountId: input.accountId, customerId: input.customerId, periodStart: input.periodStart, periodEnd: input.periodEnd, windowStart, windowEnd };
  if (windowEnd <= windowStart) return { ...empty, ledgerCredits: 0, stripeCredits: 0, bps: 0, result: "pending" };
  const meterId = input.meterId ?? (await overageMeterIdOrThrow(deps.stripe));
  const ledgerCredits = await ledgerOverageSent(deps.db, input.accountId, windowStart, windowEnd);
  const stripeCredits = await stripeOverage(deps.stripe, meterId, input.customerId, windowStart, windowEnd);
  const bps = divergenceBps(ledgerCredits, stripeCredits);
  const base = { ...empty, ledgerCredits, stripeCredits, bps };
  const open = and(eq(billingDivergences.accountId, input.accountId), eq(billingDivergences.periodStart, input.periodStart), isNull(billingDivergences.resolvedAt));
  if (!isDivergent(ledgerCredits, stripeCredits)) {
    await deps.db.update(billingDivergences).set({ resolvedAt: new Date() }).where(open);
    return { ...base, result: "ok" };
  }
  const values = { ledgerCredits, stripeCredits, divergenceBps: bps, detectedAt: new Date() };
  const updated = await deps.db.update(billingDivergences).set(values).where(open).returning({ id: billingDivergences.id });
  if (updated.length === 0) {
    await deps.db.insert(billingDivergences).values({ id: newId("div"), accountId: input.accountId, customerId: input.customerId, periodStart: input.periodStart, periodEnd: input.periodEnd, ...values });
  }
  console.warn(`[billing] overage divergence for ${input.accountId}: ledger ${ledgerCredits}, Stripe ${stripeCredits} credits (${bps / 100}%)`);
  return { ...base, result: "divergent" };
}

/**
 * The period before the subscription's current one, from the billing history: the renewal invoice
 * that closed it covers it. NULL before the first renewal.
 */
async function previousPeriod(db: Db, subscriptionId: string, currentStart: Date): Promise<{ start: Date; end: Date } | null> {
  const [row] = await db
    .select({ start: billingInvoices.periodStart, end: billingInvoices.periodEnd })
    .from(billingInvoices)
    .where(and(eq(billingInvoices.subscriptionId, subscriptionId), eq(billingInvoices.periodEnd, currentStart), lt(billingInvoices.periodStart, currentStart)))
    .orderBy(desc(billingInvoices.stripeCreatedAt))
    .limit(1);
  return row ?? null;
}

/**
 * The job: every live subscription's current period and the one before it (its overage is what
 * the renewal invoice charged, and late reports land there).
 */
export async function reconcileOverage(deps: { db: Db; stripe: Stripe }, options: { now?: Date } = {}): Promise<ReconcileLine[]> {
  const subs = await deps.db.select().from(billingSubscriptions).where(inArray(billingSubscriptions.status, LIVE_STATUSES));
  if (subs.length === 0) return [];
  const meterId = await overageMeterIdOrThrow(deps.stripe);
  const out: ReconcileLine[] = [];
  for (const s of subs) {
    const common = { accountId: s.accountId, customerId: s.customerId, meterId, now: options.now };
    const previous = await previousPeriod(deps.db, s.id, s.currentPeriodStart);
    if (previous) out.push(await reconcileAccount(deps, { ...common, periodStart: previous.start, periodEnd: previous.end }));
    out.push(await reconcileAccount(deps, { ...common, periodStart: s.currentPeriodStart, periodEnd: s.currentPeriodEnd }));
  }
  return out;
}

/** What admins see: open divergences, newest first. */
export async function listOpenDivergences(db: Db, limit = 100) {
  return db.select().from(billingDivergences).where(isNull(billingDivergences.resolvedAt)).orderBy(desc(billingDivergences.detectedAt)).limit(limit);
}
