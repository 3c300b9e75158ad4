import { and, desc, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { accountLedger, creditGrants, holds, usageEvents, type HoldStatus } from "@/db/schema";
import { AppError } from "@/lib/errors";
import type { Balance, Receipt } from "./types";

type LedgerRow = typeof accountLedger.$inferSelect;

/** The overage cap in credits, or null when uncapped (same rule as ledger_overage_limit_credits). */
export function overageLimitCredits(row: Pick<LedgerRow, "hardLimit" | "hardLimitUnit" | "overagePriceCentsPer1000Credits">): number | null {
  if (row.hardLimit === null) return null;
  if (row.hardLimitUnit === "credits") return row.hardLimit;
  if (row.overagePriceCentsPer1000Credits <= 0) return null;
  return Math.floor((row.hardLimit * 1000) / row.overagePriceCentsPer1000Credits);
}

export async function getLedgerRowOrThrow(db: DbOrTx, accountId: string): Promise<LedgerRow> {
  const [row] = await db.select().from(accountLedger).where(eq(accountLedger.accountId, accountId));
  if (!row) throw new AppError("not_found", `No ledger for account ${accountId}`);
  return row;
}

/**
 * What the account can spend. available = Σ over unexpired, unvoided grants of (remaining − held);
 * grants past their date count for nothing even before the expiry job has swept them.
 */
export async function getBalance(db: DbOrTx, accountId: string): Promise<Balance> {
  const [row, reservedAheadCredits] = await Promise.all([getLedgerRowOrThrow(db, accountId), getReservedAheadCredits(db, accountId)]);
  const live = await db
    .select({
      kind: creditGrants.kind,
      expiresAt: creditGrants.expiresAt,
      remaining: sql<string>`sum(${creditGrants.remainingCredits})`,
      held: sql<string>`sum(${creditGrants.heldCredits})`,
    })
    .from(creditGrants)
    .where(
      and(
        eq(creditGrants.accountId, accountId),
        sql`${creditGrants.voidedAt} is null and (${creditGrants.expiresAt} is null or ${creditGrants.expiresAt} > now()) and ${creditGrants.remainingCredits} > 0`,
      ),
    )
    .groupBy(creditGrants.kind, creditGrants.expiresAt)
    .orderBy(sql`${creditGrants.expiresAt} asc nulls last`, creditGrants.kind);
  let spendable = 0;
  for (const g of live) spendable += Number(g.remaining) - Number(g.held);
  return {
    // Holds the gateway placed ahead are the customer's credits set aside for their next requests,
    // not spent and not tied to a request yet: they count as available, so the balance a customer
    // sees does not dip while a key is busy (at most 2 holds per key and mode; see below).
    availableCredits: spendable + reservedAheadCredits,
    // The journal's figure (Σ remaining_delta): it still counts credits of a grant past its date
    // until the expiry job sweeps them, and credits held on an expired or voided grant until
    // their hold settles. availableCredits is what can actually be spent.
    remainingCredits: row.remainingCredits,
    heldCredits: row.heldCredits - reservedAheadCredits,
    reservedAheadCredits,
    bySource: live.map((g) => ({ kind: g.kind, remainingCredits: Number(g.remaining), expiresAt: g.expiresAt })),
    overage: {
      allowed: row.overageAllowed,
      usedCredits: row.overageUsedCredits,
      heldCredits: row.overageHeldCredits,
      limitCredits: overageLimitCredits(row),
      blocked: row.blockOverage,
    },
    period: { start: row.periodStart, end: row.periodEnd },
    status: row.status,
  };
}

/**
 * Grant credits on open holds the gateway placed ahead of demand for busy API keys
 * (lib/gateway/hold-pool.ts). Some may be in use by a request that adopted one a moment ago; the
 * rest wait for the key's next requests and go back within seconds if it goes quiet. The pool only
 * places them while the account has at least a hundred times as much left, so counting them all as
 * available (getBalance) is off by at most a request's worth, for the length of a request.
 */
async function getReservedAheadCredits(db: DbOrTx, accountId: string): Promise<number> {
  const [row] = await db
    .select({ credits: sql<string>`coalesce(sum(${holds.grantCredits}), 0)` })
    .from(holds)
    .where(and(eq(holds.accountId, accountId), eq(holds.status, "held"), sql`${holds.meta} ? 'pool'`));
  return Number(row?.credits ?? 0);
}

type EventRow = typeof usageEvents.$inferSelect;

export function receiptFromRow(e: EventRow): Receipt {
  return {
    requestId: e.requestId,
    accountId: e.accountId,
    createdAt: e.createdAt,
    model: e.model,
    action: e.action,
    inputTokens: e.inputTokens,
    outputTokens: e.outputTokens,
    cachedTokens: e.cachedTokens,
    cacheHit: e.cacheHit,
    status: e.status,
    heldCredits: e.heldCredits,
    chargedCredits: e.chargedCredits,
    overageCredits: e.overageCredits,
    requestedCredits: e.requestedCredits,
    cappedCredits: e.cappedCredits,
    includedCredits: e.includedCredits,
    grants: e.grants,
    userId: e.userId,
    apiKeyId: e.apiKeyId,
    latencyMs: e.latencyMs,
  };
}

/** The receipt of one request, scoped to the account (another account's request id → null). */
export async function getReceipt(db: DbOrTx, accountId: string, requestId: string): Promise<Receipt | null> {
  const [e] = await db.select().from(usageEvents).where(and(eq(usageEvents.accountId, accountId), eq(usageEvents.requestId, requestId)));
  return e ? receiptFromRow(e) : null;
}

/** Where one request's hold stands (held, captured, released), scoped to the account; null if it has none. */
export async function getHoldStatus(db: DbOrTx, accountId: string, requestId: string): Promise<HoldStatus | null> {
  const [h] = await db.select({ status: holds.status }).from(holds).where(and(eq(holds.accountId, accountId), eq(holds.requestId, requestId)));
  return h?.status ?? null;
}

export async function recentReceipts(db: DbOrTx, accountId: string, options: { limit?: number } = {}): Promise<Receipt[]> {
  const limit = Math.min(Math.max(options.limit ?? 20, 1), 200);
  const rows = await db.select().from(usageEvents).where(eq(usageEvents.accountId, accountId)).orderBy(desc(usageEvents.createdAt), desc(usageEvents.requestId)).limit(limit);
  return rows.map(receiptFromRow);
}
