import { and, desc, eq, gt, isNull } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { accounts, invites, memberships, users, type Role } from "@/db/schema";
import { newId } from "@/lib/ids";
import { randomSecret, sha256Hex } from "@/lib/crypto";
import { AppError, forbidden, notFound } from "@/lib/errors";
import { assertRole, roleRank, type AccountContext } from "./roles";
import { recordAudit } from "./audit";
import { normalizeEmail } from "./users";

const INVITE_TTL_DAYS = 7;

/** Creates an invite; returns the secret token (for the link) once. Only its hash is stored. */
export async function createInvite(db: Db, actor: AccountContext, input: { email: string; role: Role }) {
  assertRole(actor.role, "admin", "invite members");
  if (roleRank[input.role] > roleRank[actor.role]) throw forbidden("You cannot invite someone with a higher role than yours");
  const email = normalizeEmail(input.email);
  return db.transaction(async (tx) => {
    const [account] = await tx.select({ kind: accounts.kind }).from(accounts).where(eq(accounts.id, actor.accountId));
    if (account?.kind !== "team") throw new AppError("bad_request", "Invite people to a team account, not a personal one");
    const already = await tx
      .select({ userId: users.id })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.accountId, actor.accountId), eq(users.email, email)))
      .limit(1);
    if (already.length) throw new AppError("conflict", `${email} is already a member`);
    const token = randomSecret(32);
    const [invite] = await tx
      .insert(invites)
      .values({
        id: newId("inv"),
        accountId: actor.accountId,
        email,
        role: input.role,
        tokenHash: sha256Hex(token),
        invitedByUserId: actor.userId,
        expiresAt: new Date(Date.now() + INVITE_TTL_DAYS * 86_400_000),
      })
      .onConflictDoNothing()
      .returning();
    if (!invite) throw new AppError("conflict", `${email} already has an open invite`);
    await recordAudit(tx, { accountId: actor.accountId, actorUserId: actor.userId, action: "invite.created", targetType: "invite", targetId: invite.id, after: { email, role: input.role } });
    return { invite, token };
  });
}

export async function listOpenInvites(db: DbOrTx, accountId: string) {
  return db
    .select({ id: invites.id, email: invites.email, role: invites.role, expiresAt: invites.expiresAt, createdAt: invites.createdAt })
    .from(invites)
    .where(and(eq(invites.accountId, accountId), isNull(invites.acceptedAt), isNull(invites.revokedAt)))
    .orderBy(desc(invites.createdAt));
}

export async function revokeInvite(db: Db, actor: AccountContext, inviteId: string) {
  assertRole(actor.role, "admin", "revoke invites");
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(invites)
      .set({ revokedAt: new Date() })
      .where(and(eq(invites.id, inviteId), eq(invites.accountId, actor.accountId), isNull(invites.acceptedAt), isNull(invites.revokedAt)))
      .returning({ id: invites.id });
    if (!row) throw notFound("Invite");
    await recordAudit(tx, { accountId: actor.accountId, actorUserId: actor.userId, action: "invite.revoked", targetType: "invite", targetId: inviteId });
  });
}

/** What the invite page shows before the user accepts. */
export async function getOpenInviteByToken(db: DbOrTx, token: string) {
  const [row] = await db
    .select({ id: invites.id, accountId: invites.accountId, accountName: accounts.name, email: invites.email, role: invites.role })
    .from(invites)
    .innerJoin(accounts, eq(accounts.id, invites.accountId))
    .where(and(eq(invites.tokenHash, sha256Hex(token)), isNull(invites.acceptedAt), isNull(invites.revokedAt), gt(invites.expiresAt, new Date())))
    .limit(1);
  return row ?? null;
}

/** The signed-in user accepts; the invite must be addressed to their email. */
export async function acceptInvite(db: Db, user: { userId: string; email: string }, token: string) {
  return db.transaction(async (tx) => {
    const invite = await getOpenInviteByToken(tx, token);
    if (!invite) throw notFound("Invite");
    if (invite.email !== normalizeEmail(user.email)) throw forbidden(`This invite is for ${invite.email}`);
    const claimed = await tx
      .update(invites)
      .set({ acceptedAt: new Date() })
      .where(and(eq(invites.id, invite.id), isNull(invites.acceptedAt)))
      .returning({ id: invites.id });
    if (!claimed.length) throw notFound("Invite");
    await tx.insert(memberships).values({ accountId: invite.accountId, userId: user.userId, role: invite.role }).onConflictDoNothing();
    await recordAudit(tx, { accountId: invite.accountId, actorUserId: user.userId, action: "invite.accepted", targetType: "invite", targetId: invite.id, after: { role: invite.role } });
    return { accountId: invite.accountId, accountName: invite.accountName };
  });
}
