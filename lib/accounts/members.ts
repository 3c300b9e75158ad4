import { and, asc, eq, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { memberships, users, type Role } from "@/db/schema";
import { AppError, forbidden, notFound } from "@/lib/errors";
import { assertRole, roleRank, type AccountContext } from "./roles";
import { recordAudit } from "./audit";
import { revokeKeysCreatedByInTx } from "@/lib/api-keys/keys";
import { forgetCachedApiKey } from "@/lib/api-keys/key-cache";

export async function listMembers(db: DbOrTx, accountId: string) {
  return db
    .select({ userId: users.id, name: users.name, email: users.email, role: memberships.role, joinedAt: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.accountId, accountId))
    .orderBy(asc(memberships.createdAt));
}

async function getMemberOrThrow(db: DbOrTx, accountId: string, userId: string) {
  const [m] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.accountId, accountId), eq(memberships.userId, userId)))
    .limit(1);
  if (!m) throw notFound("Member");
  return m;
}

/** Admins manage members and admins; only owners touch owners. Nobody may orphan an account. */
function assertCanManage(actor: AccountContext, targetRole: Role, newRole?: Role) {
  assertRole(actor.role, "admin", "manage members");
  const highest = Math.max(roleRank[targetRole], newRole ? roleRank[newRole] : 0);
  if (highest > roleRank[actor.role]) throw forbidden("Only owners can change owners");
}

async function assertNotLastOwner(tx: DbOrTx, accountId: string) {
  const [row] = await tx.execute<{ n: number }>(
    sql`select count(*)::int as n from memberships where account_id = ${accountId} and role = 'owner'`,
  );
  if ((row?.n ?? 0) <= 1) throw new AppError("conflict", "An account needs at least one owner");
}

/**
 * Removes a member and, in the same transaction, revokes every API key they created on the account:
 * a key acts for its creator, and a removed member must lose access at once, not keep it via a key.
 */
export async function removeMember(db: Db, actor: AccountContext, userId: string) {
  const revokedKeyIds = await db.transaction(async (tx) => {
    const target = await getMemberOrThrow(tx, actor.accountId, userId);
    // Leaving yourself is always allowed (unless you are the last owner).
    if (userId !== actor.userId) assertCanManage(actor, target.role);
    if (target.role === "owner") await assertNotLastOwner(tx, actor.accountId);
    await tx.delete(memberships).where(and(eq(memberships.accountId, actor.accountId), eq(memberships.userId, userId)));
    await recordAudit(tx, { accountId: actor.accountId, actorUserId: actor.userId, action: "member.removed", targetType: "user", targetId: userId, before: { role: target.role } });
    return revokeKeysCreatedByInTx(tx, { accountId: actor.accountId, userId, actorUserId: actor.userId, reason: "creator removed from the account" });
  });
  // After commit: the gateway's in-process key cache must not keep serving them (lib/api-keys/key-cache.ts).
  for (const keyId of revokedKeyIds) forgetCachedApiKey(keyId);
}

export async function changeMemberRole(db: Db, actor: AccountContext, userId: string, role: Role) {
  await db.transaction(async (tx) => {
    const target = await getMemberOrThrow(tx, actor.accountId, userId);
    assertCanManage(actor, target.role, role);
    if (target.role === "owner" && role !== "owner") await assertNotLastOwner(tx, actor.accountId);
    await tx.update(memberships).set({ role, updatedAt: new Date() }).where(and(eq(memberships.accountId, actor.accountId), eq(memberships.userId, userId)));
    await recordAudit(tx, { accountId: actor.accountId, actorUserId: actor.userId, action: "member.role_changed", targetType: "user", targetId: userId, before: { role: target.role }, after: { role } });
  });
}
