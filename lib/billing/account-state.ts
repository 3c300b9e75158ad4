import { eq, sql } from "drizzle-orm";
import type { Db, Tx } from "@/db/client";
import { accountLedger, accounts, type AccountStatus } from "@/db/schema";
import { recordAudit } from "@/lib/accounts/audit";
import { getPlanOrThrow } from "@/lib/config/catalog";
import { notFound } from "@/lib/errors";
import { setPlan } from "@/lib/ledger";

/**
 * The account's plan and payment standing, as Stripe last told us. One place writes both, so
 * the rule "no overage while past due" holds whichever changes first: the ledger's reserve
 * refuses overage when `account_ledger.overage_allowed` is false, and that flag is the plan's
 * unless the account is past due.
 */
async function lockLedgerRow(tx: Tx, accountId: string) {
  const rows = await tx.execute(sql`select status from account_ledger where account_id = ${accountId} for update`);
  const row = rows[0] as { status: AccountStatus } | undefined;
  if (!row) throw notFound("Account ledger");
  return row.status;
}

async function applyOverageGate(tx: Tx, accountId: string, planKey: string, status: AccountStatus) {
  const plan = getPlanOrThrow(planKey);
  await tx
    .update(accountLedger)
    .set({ overageAllowed: plan.overageAllowed && status !== "past_due", updatedAt: new Date() })
    .where(eq(accountLedger.accountId, accountId));
}

export type PlanChange = { changed: boolean; from: string; to: string };

export async function applyPlan(db: Db, accountId: string, planKey: string): Promise<PlanChange> {
  return db.transaction(async (tx) => {
    const status = await lockLedgerRow(tx, accountId);
    const [acc] = await tx.select({ plan: accounts.plan }).from(accounts).where(eq(accounts.id, accountId));
    const from = acc?.plan ?? "free";
    await setPlan(tx, accountId, planKey);
    await applyOverageGate(tx, accountId, planKey, status);
    if (from !== planKey) {
      await recordAudit(tx, { accountId, actorUserId: null, action: "billing.plan_changed", before: { plan: from }, after: { plan: planKey }, reason: "stripe" });
    }
    return { changed: from !== planKey, from, to: planKey };
  });
}

/**
 * past_due ⇄ active, driven by invoice payment. A frozen account stays frozen (an admin froze it;
 * a payment does not unfreeze it). Returns whether anything changed.
 */
export async function setPaymentStanding(db: Db, accountId: string, standing: "past_due" | "active", reason: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const current = await lockLedgerRow(tx, accountId);
    if (current === "frozen" || current === standing) return false;
    const [acc] = await tx.select({ plan: accounts.plan }).from(accounts).where(eq(accounts.id, accountId));
    await tx.update(accounts).set({ status: standing, statusReason: standing === "active" ? null : reason, updatedAt: new Date() }).where(eq(accounts.id, accountId));
    await tx.update(accountLedger).set({ status: standing, updatedAt: new Date() }).where(eq(accountLedger.accountId, accountId));
    await applyOverageGate(tx, accountId, acc?.plan ?? "free", standing);
    await recordAudit(tx, { accountId, actorUserId: null, action: "billing.payment_standing", before: { status: current }, after: { status: standing }, reason });
    return true;
  });
}
