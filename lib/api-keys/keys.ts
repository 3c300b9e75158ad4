import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { accounts, apiKeys, memberships, users } from "@/db/schema";
import { newId } from "@/lib/ids";
import { randomSecret, sha256Hex } from "@/lib/crypto";
import { AppError, notFound } from "@/lib/errors";
import { hasRole, type AccountContext } from "@/lib/accounts/roles";
import { recordAudit } from "@/lib/accounts/audit";
import { forgetCachedApiKey } from "./key-cache";

export const API_KEY_PREFIX = "mk_";
const SECRET_LENGTH = 40;
const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 6;

/** Creates a key. The returned `secret` is the only time the full key exists outside the client. */
export async function createApiKey(db: Db, actor: AccountContext, name: string) {
  const secret = API_KEY_PREFIX + randomSecret(SECRET_LENGTH);
  return db.transaction(async (tx) => {
    const [key] = await tx
      .insert(apiKeys)
      .values({
        id: newId("key"),
        accountId: actor.accountId,
        name: name.trim(),
        prefix: secret.slice(0, DISPLAY_PREFIX_LENGTH),
        secretHash: sha256Hex(secret),
        createdByUserId: actor.userId,
      })
      .returning({ id: apiKeys.id, name: apiKeys.name, prefix: apiKeys.prefix, createdAt: apiKeys.createdAt });
    await recordAudit(tx, { accountId: actor.accountId, actorUserId: actor.userId, action: "api_key.created", targetType: "api_key", targetId: key!.id, after: { name } });
    return { key: key!, secret };
  });
}

export async function listApiKeys(db: DbOrTx, accountId: string) {
  return db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
      createdByUserId: apiKeys.createdByUserId,
      createdByName: users.name,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.createdByUserId))
    .where(eq(apiKeys.accountId, accountId))
    .orderBy(desc(apiKeys.createdAt));
}

/** Members revoke their own keys; admins and owners revoke any key of the account. */
export async function revokeApiKey(db: Db, actor: AccountContext, keyId: string) {
  await db.transaction(async (tx) => {
    const [key] = await tx
      .select({ id: apiKeys.id, createdByUserId: apiKeys.createdByUserId, revokedAt: apiKeys.revokedAt })
      .from(apiKeys)
      .where(and(eq(apiKeys.id, keyId), eq(apiKeys.accountId, actor.accountId)))
      .for("update");
    if (!key) throw notFound("API key");
    if (key.createdByUserId !== actor.userId && !hasRole(actor.role, "admin")) {
      throw new AppError("forbidden", "Only admins and owners can revoke keys created by others");
    }
    if (key.revokedAt) return;
    await tx.update(apiKeys).set({ revokedAt: new Date(), updatedAt: new Date() }).where(eq(apiKeys.id, keyId));
    await recordAudit(tx, { accountId: actor.accountId, actorUserId: actor.userId, action: "api_key.revoked", targetType: "api_key", targetId: keyId });
  });
  // After commit: this process stops accepting the key at once (see ./key-cache.ts for others).
  forgetCachedApiKey(keyId);
}

/**
 * Revokes every live key `userId` created on the account, inside the caller's transaction (the member
 * removal that makes them untrustworthy), one audit entry per key. Returns the revoked ids: the caller
 * must pass each to forgetCachedApiKey AFTER commit, so this process stops accepting them at once.
 */
export async function revokeKeysCreatedByInTx(tx: DbOrTx, input: { accountId: string; userId: string; actorUserId: string; reason: string }): Promise<string[]> {
  const now = new Date();
  const revoked = await tx
    .update(apiKeys)
    .set({ revokedAt: now, updatedAt: now })
    .where(and(eq(apiKeys.accountId, input.accountId), eq(apiKeys.createdByUserId, input.userId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  for (const key of revoked) {
    await recordAudit(tx, { accountId: input.accountId, actorUserId: input.actorUserId, action: "api_key.revoked", targetType: "api_key", targetId: key.id, reason: input.reason });
  }
  return revoked.map((k) => k.id);
}

export type ApiKeyPrincipal = { apiKeyId: string; accountId: string; userId: string; accountStatus: string };

/**
 * Resolves `Authorization: Bearer mk_…` to its account. One indexed lookup by hash; last-used is
 * bumped at most once a minute and never delays the caller. A key acts for its creator, so it stops
 * working when the creator is no longer a member of the key's account — removeMember also revokes
 * such keys; this check covers a membership ended any other way.
 */
export async function authenticateApiKey(db: Db, secret: string): Promise<ApiKeyPrincipal> {
  if (!secret.startsWith(API_KEY_PREFIX) || secret.length !== API_KEY_PREFIX.length + SECRET_LENGTH) {
    throw new AppError("unauthenticated", "Invalid API key format: expected a key starting with mk_");
  }
  const [row] = await db
    .select({ id: apiKeys.id, accountId: apiKeys.accountId, userId: apiKeys.createdByUserId, revokedAt: apiKeys.revokedAt, lastUsedAt: apiKeys.lastUsedAt, accountStatus: accounts.status, creatorRole: memberships.role })
    .from(apiKeys)
    .innerJoin(accounts, eq(accounts.id, apiKeys.accountId))
    .leftJoin(memberships, and(eq(memberships.accountId, apiKeys.accountId), eq(memberships.userId, apiKeys.createdByUserId)))
    .where(eq(apiKeys.secretHash, sha256Hex(secret)))
    .limit(1);
  if (!row) throw new AppError("unauthenticated", "Unknown API key");
  if (row.revokedAt) throw new AppError("unauthenticated", "This API key has been revoked");
  if (!row.creatorRole) throw new AppError("unauthenticated", "This API key's creator is no longer a member of its account");
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    void db
      .update(apiKeys)
      .set({ lastUsedAt: sql`now()` })
      .where(and(eq(apiKeys.id, row.id), isNull(apiKeys.revokedAt)))
      .catch((e) => console.error("api key last_used update failed", e));
  }
  return { apiKeyId: row.id, accountId: row.accountId, userId: row.userId, accountStatus: row.accountStatus };
}
