import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { AdjustInput, AdjustResult, GrantInput, GrantKind } from "./types";
import { assertCredits, assertNonEmpty } from "./validate";

/** At equal expiry, lower burns first: free and allowance credits before purchased ones. */
export const defaultPriority: Record<GrantKind, number> = { signup: 0, plan_allowance: 0, promo: 10, adjustment: 50, purchase: 100 };

type Json = Record<string, unknown>;

async function one(db: DbOrTx, query: ReturnType<typeof sql>): Promise<Json> {
  const rows = (await db.execute(query)) as unknown as { r: Json }[];
  return rows[0]!.r;
}

/** Adds a bucket of credits. Unique on sourceRef: the same purchase is never granted twice. */
export async function grant(db: DbOrTx, input: GrantInput): Promise<{ grantId: string; created: boolean }> {
  assertNonEmpty(input.accountId, "accountId");
  assertNonEmpty(input.sourceRef, "sourceRef");
  assertCredits(input.credits, "credits", { allowZero: false });
  if (input.amountCents != null) assertCredits(input.amountCents, "amountCents");
  const g = {
    id: newId("grant"),
    kind: input.kind,
    c: input.credits,
    exp: input.expiresAt ? input.expiresAt.toISOString() : null,
    prio: input.priority ?? defaultPriority[input.kind],
    src: input.sourceRef,
    reason: input.reason ?? null,
    actor: input.actorUserId ?? null,
    cents: input.amountCents ?? null,
  };
  const r = await one(db, sql`select ledger_grant(${input.accountId}, ${JSON.stringify(g)}::jsonb) as r`);
  if (!r.ok) {
    if (r.err === "not_found") throw new AppError("not_found", `No ledger for account ${input.accountId}`);
    throw new AppError("conflict", `Source ${input.sourceRef} was already granted to another account`);
  }
  return { grantId: r.grantId as string, created: r.created as boolean };
}

/**
 * Admin adjustment. Positive: an `adjustment` grant that never expires. Negative: debits
 * spendable credits in burn order, never below zero; what could not be debited is the recorded
 * shortfall. Idempotent by sourceRef.
 */
export async function adjust(db: DbOrTx, input: AdjustInput): Promise<AdjustResult> {
  assertCredits(input.credits, "credits", { allowZero: false, allowNegative: true });
  assertNonEmpty(input.reason, "reason");
  assertNonEmpty(input.sourceRef, "sourceRef");
  if (input.credits > 0) {
    const g = await grant(db, {
      accountId: input.accountId,
      kind: "adjustment",
      credits: input.credits,
      sourceRef: `adjust:${input.sourceRef}`,
      reason: input.reason,
      actorUserId: input.actorUserId,
    });
    return { direction: "credit", grantId: g.grantId, created: g.created, creditedCredits: input.credits };
  }
  const p = { c: -input.credits, src: input.sourceRef, reason: input.reason, actor: input.actorUserId };
  const r = await one(db, sql`select ledger_debit(${input.accountId}, ${JSON.stringify(p)}::jsonb) as r`);
  if (!r.ok) {
    if (r.err === "not_found") throw new AppError("not_found", `No ledger for account ${input.accountId}`);
    throw new AppError("conflict", `Adjustment ${input.sourceRef} belongs to another account`);
  }
  return { direction: "debit", created: r.created as boolean, debitedCredits: r.debited as number, shortfallCredits: r.shortfall as number };
}

/**
 * Claws back a refunded purchase: what is left of the grant and not held by an in-flight
 * request, never below zero. The rest (already spent or in flight) is the recorded shortfall.
 * Without `credits` it is a full refund, which also voids the grant. Idempotent by refundRef.
 */
export async function refundPurchase(db: DbOrTx, input: { sourceRef: string; refundRef: string; credits?: number }): Promise<{ clawedBack: number; shortfall: number }> {
  assertNonEmpty(input.sourceRef, "sourceRef");
  assertNonEmpty(input.refundRef, "refundRef");
  if (input.credits !== undefined) assertCredits(input.credits, "credits", { allowZero: false });
  const r = await one(db, sql`select ledger_refund(${input.sourceRef}, ${input.refundRef}, ${input.credits ?? null}::bigint) as r`);
  if (!r.ok) {
    if (r.err === "not_purchase") throw new AppError("invalid_input", `Grant ${input.sourceRef} is not a purchase`);
    throw new AppError("not_found", `No grant with source ${input.sourceRef}`);
  }
  return { clawedBack: r.clawedBack as number, shortfall: r.shortfall as number };
}

/**
 * Expiry job: expires the unheld remainder of every grant past its date, one short transaction
 * per account. Held credits stay with their hold (its capture may spend them; whatever it gives
 * back is expired then). Returns the number of grants expired.
 */
export async function expireGrants(db: Db, now: Date = new Date()): Promise<number> {
  const accounts = (await db.execute(sql`
    select distinct account_id from credit_grants
     where expired_at is null and expires_at is not null and expires_at <= ${now.toISOString()}::timestamptz`)) as unknown as { account_id: string }[];
  let touched = 0;
  for (const { account_id } of accounts) {
    const [row] = (await db.execute(sql`select ledger_expire_account(${account_id}, ${now.toISOString()}::timestamptz) as n`)) as unknown as { n: number }[];
    touched += Number(row!.n);
  }
  return touched;
}
