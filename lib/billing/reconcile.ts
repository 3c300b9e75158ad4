import { and, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import type Stripe from "stripe";
import type { Db } from "@/db/client";
import { billingDivergences, billingSubscriptions } from "@/db/schema";
import { newId } from "@/lib/ids";
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

export type ReconcileLine = { accountId: string; customerId: string; periodStart: Date; periodEnd: Date; ledgerCredits: number; stripeCredits: number; bps: number; result: "ok" | "divergent" | "pending" };

/**
 * The ledger's overage in a period: every captured overage credit (meter_outbox), placed at the
 * time its meter event carries (or its capture time if not yet batched). `unsent` counts the
 * ones Stripe cannot know about yet, in which case the comparison waits for the next run.
 */
async function ledgerOverage(db: Db, accountId: string, start: Date, end: Date) {
  const [row] = (await db.execute(sql`
    select coalesce(sum(o.credits), 0)::bigint as credits,
           count(*) filter (where o.reported_at is null)::int as unsent
      from meter_outbox o left join meter_reports r on r.id = o.report_id
     where o.account_id = ${accountId}
       and coalesce(r.event_at, o.created_at) >= ${start.toISOString()}::timestamptz
       and coalesce(r.event_at, o.created_at) < ${end.toISOString()}::timestamptz`)) as unknown as { credits: string | number; unsent: number }[];
  return { credits: Number(row?.credits ?? 0), unsent: row?.unsent ?? 0 };
}

async function stripeOverage(stripe: Stripe, meterId: string, customerId: string, start: Date, end: Date): Promise<number> {
  // Summaries take minute-aligned bounds; widen to the enclosing minutes.
  const startS = Math.floor(start.getTime() / 60_000) * 60;
  const endS = Math.ceil(end.getTime() / 60_000) * 60;
  let total = 0;
  for await (const s of stripe.billing.meters.listEventSummaries(meterId, { customer: customerId, start_time: startS, end_time: endS })) total += s.aggregated_value;
  return total;
}

/** Compares one customer's period and records (or clears) a divergence. */
export async function reconcileAccount(
  deps: { db: Db; stripe: Stripe },
  input: { accountId: string; customerId: string; periodStart: Date; periodEnd: Date; meterId?: string },
): Promise<ReconcileLine> {
  const meterId = input.meterId ?? (await overageMeterIdOrThrow(deps.stripe));
  const ledger = await ledgerOverage(deps.db, input.accountId, input.periodStart, input.periodEnd);
  const stripeCredits = await stripeOverage(deps.stripe, meterId, input.customerId, input.periodStart, input.periodEnd);
  const bps = divergenceBps(ledger.credits, stripeCredits);
  const base = { accountId: input.accountId, customerId: input.customerId, periodStart: input.periodStart, periodEnd: input.periodEnd, ledgerCredits: ledger.credits, stripeCredits, bps };
  if (ledger.unsent > 0) return { ...base, result: "pending" };
  const open = and(eq(billingDivergences.accountId, input.accountId), eq(billingDivergences.periodStart, input.periodStart), isNull(billingDivergences.resolvedAt));
  if (!isDivergent(ledger.credits, stripeCredits)) {
    await deps.db.update(billingDivergences).set({ resolvedAt: new Date() }).where(open);
    return { ...base, result: "ok" };
  }
  const values = { ledgerCredits: ledger.credits, stripeCredits, divergenceBps: bps, detectedAt: new Date() };
  const updated = await deps.db.update(billingDivergences).set(values).where(open).returning({ id: billingDivergences.id });
  if (updated.length === 0) {
    await deps.db.insert(billingDivergences).values({ id: newId("div"), accountId: input.accountId, customerId: input.customerId, periodStart: input.periodStart, periodEnd: input.periodEnd, ...values });
  }
  console.warn(`[billing] overage divergence for ${input.accountId}: ledger ${ledger.credits}, Stripe ${stripeCredits} credits (${bps / 100}%)`);
  return { ...base, result: "divergent" };
}

/** The job: every live subscription's current period. */
export async function reconcileOverage(deps: { db: Db; stripe: Stripe }): Promise<ReconcileLine[]> {
  const subs = await deps.db.select().from(billingSubscriptions).where(inArray(billingSubscriptions.status, LIVE_STATUSES));
  if (subs.length === 0) return [];
  const meterId = await overageMeterIdOrThrow(deps.stripe);
  const out: ReconcileLine[] = [];
  for (const s of subs) {
    out.push(await reconcileAccount(deps, { accountId: s.accountId, customerId: s.customerId, periodStart: s.currentPeriodStart, periodEnd: s.currentPeriodEnd, meterId }));
  }
  return out;
}

/** What admins see: open divergences, newest first. */
export async function listOpenDivergences(db: Db, limit = 100) {
  return db.select().from(billingDivergences).where(isNull(billingDivergences.resolvedAt)).orderBy(desc(billingDivergences.detectedAt)).limit(limit);
}
