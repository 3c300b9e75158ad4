import { and, asc, eq, inArray, lte, sql } from "drizzle-orm";
import type Stripe from "stripe";
import type { Db, Tx } from "@/db/client";
import { meterOutbox, meterReports } from "@/db/schema";
import { catalog } from "@/lib/config/catalog";
import { customerIdForAccount } from "../customers";

export type Backoff = { baseMs: number; maxMs: number };
export const DEFAULT_BACKOFF: Backoff = { baseMs: 2_000, maxMs: 10 * 60_000 };

/** Exponential, capped: 2 s, 4 s, 8 s … 10 min. */
export function nextAttemptDelayMs(attempts: number, backoff: Backoff = DEFAULT_BACKOFF): number {
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempts - 1));
}

/** Stripe refuses meter events older than 35 days; after a longer outage they land on the oldest day it takes. */
export const MAX_AGE_MS = 34 * 86_400_000;
export const meterTimestamp = (eventAt: Date, now = Date.now()) => Math.floor(Math.max(eventAt.getTime(), now - MAX_AGE_MS) / 1000);

type Report = typeof meterReports.$inferSelect;

async function sendOne(tx: Tx, stripe: Stripe, report: Report, backoff: Backoff): Promise<boolean> {
  const customerId = await customerIdForAccount(tx, report.accountId);
  try {
    if (!customerId) throw new Error(`account ${report.accountId} has no Stripe customer`);
    await stripe.billing.meterEvents.create({
      event_name: report.eventName,
      // The identifier is fixed when the report is built, so a resend is deduplicated by Stripe.
      identifier: report.id,
      timestamp: meterTimestamp(report.eventAt),
      payload: { [catalog.meter.customerPayloadKey]: customerId, [catalog.meter.valuePayloadKey]: String(report.credits) },
    });
  } catch (e) {
    const attempts = report.attempts + 1;
    await tx
      .update(meterReports)
      .set({
        attempts,
        lastError: e instanceof Error ? e.message.slice(0, 500) : String(e),
        nextAttemptAt: new Date(Date.now() + nextAttemptDelayMs(attempts, backoff)),
        updatedAt: new Date(),
      })
      .where(eq(meterReports.id, report.id));
    return false;
  }
  const now = new Date();
  await tx
    .update(meterReports)
    .set({ status: "sent", attempts: report.attempts + 1, sentAt: now, customerId, lastError: null, updatedAt: now })
    .where(eq(meterReports.id, report.id));
  await tx.update(meterOutbox).set({ reportedAt: now }).where(and(eq(meterOutbox.accountId, report.accountId), eq(meterOutbox.reportId, report.id)));
  return true;
}

/**
 * Sends one account's due reports, oldest first, one call at a time. A transaction-scoped
 * advisory lock per account makes this the only sender for that customer and meter across every
 * worker; it is released if the process dies. Stops at the first failure (backoff, keep order).
 */
export async function sendAccountReports(db: Db, stripe: Stripe, accountId: string, backoff: Backoff = DEFAULT_BACKOFF): Promise<{ sent: number; failed: number }> {
  let sent = 0;
  for (;;) {
    const result = await db.transaction(async (tx) => {
      const [lock] = (await tx.execute(sql`select pg_try_advisory_xact_lock(hashtext('meter:' || ${accountId} || ':' || ${catalog.meter.eventName})) as ok`)) as unknown as { ok: boolean }[];
      if (!lock?.ok) return "busy" as const;
      const [report] = await tx
        .select()
        .from(meterReports)
        .where(and(eq(meterReports.accountId, accountId), eq(meterReports.status, "pending"), lte(meterReports.nextAttemptAt, new Date())))
        .orderBy(asc(meterReports.createdAt), asc(meterReports.id))
        .limit(1);
      if (!report) return "done" as const;
      return (await sendOne(tx, stripe, report, backoff)) ? ("sent" as const) : ("failed" as const);
    });
    if (result === "sent") sent += 1;
    else return { sent, failed: result === "failed" ? 1 : 0 };
  }
}

/** Accounts with a report due now. */
export async function accountsWithDueReports(db: Db): Promise<string[]> {
  const rows = await db
    .selectDistinct({ accountId: meterReports.accountId })
    .from(meterReports)
    .where(and(inArray(meterReports.status, ["pending"]), lte(meterReports.nextAttemptAt, new Date())));
  return rows.map((r) => r.accountId);
}
