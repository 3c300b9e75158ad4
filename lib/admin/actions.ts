import { randomUUID } from "node:crypto";
import type Stripe from "stripe";
import type { Db } from "@/db/client";
import { accounts } from "@/db/schema";
import { eq } from "drizzle-orm";
import { recordAudit } from "@/lib/accounts/audit";
import { forgetAllCachedApiKeys } from "@/lib/api-keys/key-cache";
import { notFound } from "@/lib/errors";
import { adjust, setAccountStatus, setLimits, type LimitsPatch } from "@/lib/ledger";
import { resumeBreaker } from "@/lib/protection";
import { applyInvoiceCredit } from "@/lib/protection/spike-guard/credit";
import type { PlatformAdmin } from "./authz";
import { adminReadContext } from "./customer";

/*
 * The console's actions. Each takes the PlatformAdmin proof (see ./authz.ts), requires a reason
 * and writes an audit row (actor = the admin) with it.
 */

async function assertAccountExists(db: Db, accountId: string) {
  const [row] = await db.select({ id: accounts.id, status: accounts.status }).from(accounts).where(eq(accounts.id, accountId));
  if (!row) throw notFound("Customer");
  return row;
}

/**
 * Grant (credits > 0) or deduct (credits < 0): a ledger adjustment, in the journal with the reason.
 * `idempotencyKey` (the console form's hidden field, made when the form rendered) is the
 * adjustment's sourceRef, so a double submit or a retried request applies it once; the audit row
 * is written in the same transaction, and only by the call that applied it.
 */
export async function adjustCredits(db: Db, admin: PlatformAdmin, input: { accountId: string; credits: number; reason: string; idempotencyKey?: string }) {
  await assertAccountExists(db, input.accountId);
  const sourceRef = `admin:${input.accountId}:${input.idempotencyKey ?? randomUUID()}`;
  return db.transaction(async (tx) => {
    const result = await adjust(tx, { accountId: input.accountId, credits: input.credits, reason: input.reason, actorUserId: admin.userId, sourceRef });
    if (!result.created) return result;
    await recordAudit(tx, {
      accountId: input.accountId,
      actorUserId: admin.userId,
      action: input.credits > 0 ? "admin.credits_granted" : "admin.credits_deducted",
      targetType: "account",
      targetId: input.accountId,
      after: { credits: input.credits, sourceRef, result },
      reason: input.reason,
    });
    return result;
  });
}

/** Limits as an owner would set them (the ledger audits the change with the admin as actor). */
export async function setCustomerLimits(db: Db, admin: PlatformAdmin, input: { accountId: string; patch: LimitsPatch; reason: string }) {
  await assertAccountExists(db, input.accountId);
  return setLimits(db, adminReadContext(admin, input.accountId), input.patch, `admin: ${input.reason}`);
}

/** Freeze (every request refused) or unfreeze (also resumes any breaker trip, without cautious mode). */
export async function setCustomerStatus(db: Db, admin: PlatformAdmin, input: { accountId: string; status: "frozen" | "active"; reason: string }) {
  const before = await assertAccountExists(db, input.accountId);
  if (input.status === "active") await resumeBreaker(db, { accountId: input.accountId, actorUserId: admin.userId, reason: input.reason, cautious: false });
  await setAccountStatus(db, input.accountId, input.status, input.status === "frozen" ? `Frozen by the platform: ${input.reason}` : input.reason);
  // Every process re-reads its keys' account status: a freeze also releases the gateway's pooled
  // holds (lib/gateway/hold-pool.ts), an unfreeze lifts cached refusals. Rare, so all keys.
  forgetAllCachedApiKeys();
  // Unfreezing an account whose invoice is unpaid lands on past_due: audit what it became.
  const after = await assertAccountExists(db, input.accountId);
  await recordAudit(db, {
    accountId: input.accountId,
    actorUserId: admin.userId,
    action: input.status === "frozen" ? "admin.account_frozen" : "admin.account_unfrozen",
    targetType: "account",
    targetId: input.accountId,
    before: { status: before.status },
    after: { status: after.status },
    reason: input.reason,
  });
}

/** Reset the breaker: every open trip resumed, counters forgotten, no cautious mode. */
export async function resetCustomerBreaker(db: Db, admin: PlatformAdmin, input: { accountId: string; reason: string }) {
  await assertAccountExists(db, input.accountId);
  const r = await resumeBreaker(db, { accountId: input.accountId, actorUserId: admin.userId, reason: input.reason, cautious: false });
  await recordAudit(db, { accountId: input.accountId, actorUserId: admin.userId, action: "admin.breaker_reset", targetType: "account", targetId: input.accountId, after: { resumedTrips: r.resumed }, reason: input.reason });
  return r;
}

export async function creditCustomerInvoice(deps: { db: Db; stripe: Stripe }, admin: PlatformAdmin, input: { accountId: string; invoiceId: string; amountCents: number; reason: string }) {
  await assertAccountExists(deps.db, input.accountId);
  return applyInvoiceCredit(deps, admin, input);
}
