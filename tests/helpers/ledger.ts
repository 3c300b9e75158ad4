import { eq, sql } from "drizzle-orm";
import { expect } from "vitest";
import type { Db } from "@/db/client";
import { accountLedger, accounts } from "@/db/schema";
import { newId } from "@/lib/ids";
import { createAccountLedger } from "@/lib/ledger/accounts";
import type { AccountBatch, AccountOutcome } from "@/lib/ledger/combiner";
import { rawSql } from "@/lib/ledger/sql";
import { grant } from "@/lib/ledger/grants";
import { checkLedgerInvariants } from "@/lib/ledger/invariants";
import type { GrantKind } from "@/lib/ledger/types";

let seq = 0;

/** An account with a ledger row, no signup credits unless asked, on the given plan. */
export async function makeLedgerAccount(db: Db, options: { plan?: "free" | "pro"; signupCredits?: number } = {}): Promise<string> {
  const id = newId("acct");
  await db.transaction(async (tx) => {
    await tx.insert(accounts).values({ id, name: `Ledger test ${++seq}`, kind: "team", plan: options.plan ?? "free" });
    await createAccountLedger(tx, id, { plan: options.plan ?? "free", signupCredits: options.signupCredits ?? 0 });
  });
  return id;
}

export async function give(
  db: Db,
  accountId: string,
  credits: number,
  kind: GrantKind = "purchase",
  extra: { expiresAt?: Date | null; priority?: number; sourceRef?: string } = {},
): Promise<string> {
  const { grantId } = await grant(db, { accountId, kind, credits, sourceRef: extra.sourceRef ?? `test:${accountId}:${++seq}`, ...extra });
  return grantId;
}

/** Test-only: set limit columns directly (the audited path is setLimits, tested on its own). */
export async function setLedgerFlags(db: Db, accountId: string, patch: Partial<typeof accountLedger.$inferInsert>): Promise<void> {
  await db.update(accountLedger).set(patch).where(eq(accountLedger.accountId, accountId));
}

/** Moves a grant's expiry into the past, as if time had passed. */
export async function expireNow(db: Db, grantId: string): Promise<void> {
  await db.execute(sql`update credit_grants set expires_at = now() - interval '1 second' where id = ${grantId}`);
}

export async function grantRow(db: Db, grantId: string) {
  const [g] = (await db.execute(sql`select remaining_credits::int as remaining, held_credits::int as held, expired_at, voided_at from credit_grants where id = ${grantId}`)) as unknown as {
    remaining: number;
    held: number;
    expired_at: Date | null;
    voided_at: Date | null;
  }[];
  return g!;
}

export async function expectBooksBalance(db: Db): Promise<void> {
  expect(await checkLedgerInvariants(db)).toEqual([]);
}

export const usage = (extra: Record<string, unknown> = {}) => ({ model: "mock-1", inputTokens: 10, outputTokens: 20, ...extra });

let req = 0;
export const rid = () => `req_t${Date.now().toString(36)}_${++req}`;

/** The ledger's own sums for one account, straight from the journal (what every view must equal). */
export async function journalSums(db: Db, accountId: string): Promise<{ remaining: number; capturedFromGrants: number; overageUsed: number }> {
  const rows = (await db.execute(sql`
    select coalesce(sum(remaining_delta), 0)::bigint as remaining,
           coalesce(sum(-remaining_delta) filter (where kind = 'capture'), 0)::bigint as captured_from_grants,
           coalesce(sum(overage_used_delta), 0)::bigint as overage_used
      from ledger_entries where account_id = ${accountId}`)) as unknown as { remaining: string; captured_from_grants: string; overage_used: string }[];
  const row = rows[0]!;
  return { remaining: Number(row.remaining), capturedFromGrants: Number(row.captured_from_grants), overageUsed: Number(row.overage_used) };
}

/** One ledger_apply() call, straight to the database (no combiner): what the combiner would send. */
export async function applyLedgerBatches(db: Db, batches: AccountBatch[], wait = false): Promise<AccountOutcome[]> {
  const [row] = await rawSql(db)`select ledger_apply(${JSON.stringify(batches)}::jsonb, ${wait}) as r`;
  return (row as { r: AccountOutcome[] }).r;
}
