import { eq, sql } from "drizzle-orm";
import type { Db, DbOrTx, Tx } from "@/db/client";
import { accountLedger, accounts, type AccountStatus } from "@/db/schema";
import { catalog, getPlanOrThrow } from "@/lib/config/catalog";
import { AppError } from "@/lib/errors";
import { grant } from "./grants";
import { assertNonEmpty } from "./validate";

const DAY_MS = 86_400_000;

/**
 * Creates the account's ledger row and its signup grant. Runs inside the account-creation
 * transaction (registered as an onAccountCreated hook), so an account never exists without them.
 */
export async function createAccountLedger(tx: DbOrTx, accountId: string, options: { plan?: string; now?: Date; signupCredits?: number } = {}): Promise<void> {
  const plan = getPlanOrThrow(options.plan ?? "free");
  const start = options.now ?? new Date();
  await tx
    .insert(accountLedger)
    .values({
      accountId,
      periodStart: start,
      periodEnd: new Date(start.getTime() + catalog.defaultPeriodDays * DAY_MS),
      plan: plan.key,
      overageAllowed: plan.overageAllowed,
      overagePriceCentsPer1000Credits: plan.overagePriceCentsPer1000Credits,
      includedCredits: plan.includedCredits,
      hardLimitUnit: catalog.limits.hardLimitUnit,
    })
    .onConflictDoNothing();
  const signupCredits = options.signupCredits ?? catalog.signupCredits;
  if (signupCredits > 0) {
    await grant(tx, { accountId, kind: "signup", credits: signupCredits, sourceRef: `signup:${accountId}`, reason: "signup" });
  }
}

/**
 * Billing calls this on renewal: resets the period counters (overage, used, included used) and
 * grants the plan's allowance for the new period, expiring at its end. Idempotent per start, and
 * order-independent: a period older than one already started is ignored (started: false).
 */
export async function startPeriod(db: Db, accountId: string, period: { start: Date; end: Date }): Promise<{ started: boolean }> {
  if (!(period.end > period.start)) throw new AppError("invalid_input", "period end must be after its start");
  return db.transaction(async (tx) => {
    const [row] = (await tx.execute(
      sql`select ledger_start_period(${accountId}, ${period.start.toISOString()}::timestamptz, ${period.end.toISOString()}::timestamptz) as started`,
    )) as unknown as { started: boolean }[];
    const [acc] = await tx.select({ includedCredits: accountLedger.includedCredits }).from(accountLedger).where(eq(accountLedger.accountId, accountId));
    if (!acc) throw new AppError("not_found", `No ledger for account ${accountId}`);
    if (row!.started && acc.includedCredits > 0) {
      await grant(tx, {
        accountId,
        kind: "plan_allowance",
        credits: acc.includedCredits,
        sourceRef: `allowance:${accountId}:${period.start.toISOString()}`,
        expiresAt: period.end,
        reason: "plan allowance",
      });
    }
    return { started: row!.started };
  });
}

/** Switches the account's plan (billing calls it on subscribe/cancel); takes effect on the next reserve. */
export async function setPlan(db: DbOrTx, accountId: string, planKey: string): Promise<void> {
  const plan = getPlanOrThrow(planKey);
  await db.update(accounts).set({ plan: plan.key, updatedAt: new Date() }).where(eq(accounts.id, accountId));
  const updated = await db
    .update(accountLedger)
    .set({
      plan: plan.key,
      // Never past the payment standing: no overage while an invoice is unpaid.
      overageAllowed: plan.overageAllowed ? sql`not ${accountLedger.paymentPastDue}` : false,
      overagePriceCentsPer1000Credits: plan.overagePriceCentsPer1000Credits,
      includedCredits: plan.includedCredits,
      updatedAt: new Date(),
    })
    .where(eq(accountLedger.accountId, accountId))
    .returning({ id: accountLedger.accountId });
  if (updated.length === 0) throw new AppError("not_found", `No ledger for account ${accountId}`);
}

/** A change to the two things an account's status is made of; an absent field keeps its value. */
export type StandingChange = { frozen?: boolean; paymentPastDue?: boolean };
export type Standing = { status: AccountStatus; frozen: boolean; paymentPastDue: boolean };

/** Frozen wins (every request refused); otherwise an unpaid invoice makes it past_due. */
export function deriveAccountStatus(frozen: boolean, paymentPastDue: boolean): AccountStatus {
  return frozen ? "frozen" : paymentPastDue ? "past_due" : "active";
}

/**
 * The one writer of an account's status. A freeze (breaker, admin) and the payment standing
 * (Stripe) are kept apart, and the status and the overage gate are derived from both under the
 * ledger row lock, so lifting a freeze on an unpaid account lands on past_due, and a payment
 * while frozen is remembered for when the freeze lifts. `overage_allowed` is the plan's unless
 * payment is past due. The status reason changes only when the status does (the breaker matches
 * its own freeze by the reason).
 */
export async function applyAccountStanding(tx: Tx, accountId: string, change: StandingChange, reason: string): Promise<{ before: Standing; after: Standing }> {
  const rows = (await tx.execute(
    sql`select status, payment_past_due, plan from account_ledger where account_id = ${accountId} for update`,
  )) as unknown as { status: AccountStatus; payment_past_due: boolean; plan: string }[];
  const row = rows[0];
  if (!row) throw new AppError("not_found", `No ledger for account ${accountId}`);
  const before: Standing = { status: row.status, frozen: row.status === "frozen", paymentPastDue: row.payment_past_due };
  const frozen = change.frozen ?? before.frozen;
  const paymentPastDue = change.paymentPastDue ?? before.paymentPastDue;
  const after: Standing = { status: deriveAccountStatus(frozen, paymentPastDue), frozen, paymentPastDue };
  const plan = getPlanOrThrow(row.plan);
  const now = new Date();
  if (after.status !== before.status) {
    await tx.update(accounts).set({ status: after.status, statusReason: after.status === "active" ? null : reason, updatedAt: now }).where(eq(accounts.id, accountId));
  }
  await tx
    .update(accountLedger)
    .set({ status: after.status, paymentPastDue, overageAllowed: plan.overageAllowed && !paymentPastDue, updatedAt: now })
    .where(eq(accountLedger.accountId, accountId));
  return { before, after };
}

/**
 * Frozen refuses every reserve (account_frozen); the status is mirrored on the ledger row.
 * "frozen" freezes, "active" lifts a freeze (back to past_due if an invoice is still unpaid),
 * "past_due" records a failed payment.
 */
export async function setAccountStatus(db: Db, accountId: string, status: AccountStatus, reason: string): Promise<void> {
  assertNonEmpty(reason, "reason");
  if (!["active", "frozen", "past_due"].includes(status)) throw new AppError("invalid_input", `Unknown status ${status}`);
  const change: StandingChange = status === "past_due" ? { paymentPastDue: true } : { frozen: status === "frozen" };
  await db.transaction((tx: Tx) => applyAccountStanding(tx, accountId, change, reason));
}

/** Sweeper: releases holds whose request died (expires_at passed). One transaction per account. */
export async function sweepStaleHolds(db: Db, now: Date = new Date()): Promise<number> {
  const rows = (await db.execute(
    sql`select distinct account_id from holds where status = 'held' and expires_at <= ${now.toISOString()}::timestamptz`,
  )) as unknown as { account_id: string }[];
  let released = 0;
  for (const { account_id } of rows) {
    const [r] = (await db.execute(sql`select ledger_sweep_holds(${account_id}, ${now.toISOString()}::timestamptz) as n`)) as unknown as { n: number }[];
    released += Number(r!.n);
  }
  return released;
}
