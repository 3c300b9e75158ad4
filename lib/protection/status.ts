import { and, desc, eq, gt, isNull, or } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accountProtection, accounts, breakerTrips } from "@/db/schema";
import { assertRole, type AccountContext } from "@/lib/accounts/roles";
import { resumeBreaker } from "./breaker/trips";
import { breaker } from "./breaker/registry";

export type ProtectionStatus = {
  /** The account's standing and, when frozen or past due, why (a platform freeze says so here). */
  accountStatus: string;
  statusReason: string | null;
  breakerEnabled: boolean;
  openTrips: { id: string; scope: string; apiKeyId: string | null; cause: string; message: string; trippedAt: Date }[];
  cautiousUntil: Date | null;
  recentTrips: (typeof breakerTrips.$inferSelect)[];
};

/** What the protection page shows: is anything tripped, is the account in cautious mode. */
export async function getProtectionStatus(db: Db, accountId: string): Promise<ProtectionStatus> {
  const now = new Date(breaker().now());
  const [settings] = await db.select().from(accountProtection).where(eq(accountProtection.accountId, accountId));
  const [account] = await db.select({ status: accounts.status, statusReason: accounts.statusReason }).from(accounts).where(eq(accounts.id, accountId));
  const rows = await db
    .select()
    .from(breakerTrips)
    .where(and(eq(breakerTrips.accountId, accountId), or(isNull(breakerTrips.resumedAt), gt(breakerTrips.cautiousUntil, now), gt(breakerTrips.trippedAt, new Date(now.getTime() - 30 * 86_400_000)))))
    .orderBy(desc(breakerTrips.trippedAt))
    .limit(20);
  const open = rows.filter((t) => !t.resumedAt);
  const cautious = rows.map((t) => t.cautiousUntil).filter((d): d is Date => d !== null && d > now);
  return {
    accountStatus: account?.status ?? "active",
    statusReason: account?.statusReason ?? null,
    breakerEnabled: settings?.breakerEnabled ?? true,
    openTrips: open.map((t) => ({ id: t.id, scope: t.scope, apiKeyId: t.apiKeyId, cause: t.cause, message: t.message, trippedAt: t.trippedAt })),
    cautiousUntil: cautious.length ? new Date(Math.max(...cautious.map((d) => d.getTime()))) : null,
    recentTrips: rows,
  };
}

/** An owner or admin resumes their account after a trip; it comes back in cautious mode. */
export async function resumeAccountBreaker(db: Db, actor: AccountContext, reason: string) {
  assertRole(actor.role, "admin", "resume the circuit breaker");
  return resumeBreaker(db, { accountId: actor.accountId, actorUserId: actor.userId, reason, cautious: true });
}
