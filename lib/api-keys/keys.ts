import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { accounts, apiKeys, users } from "@/db/schema";
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

export type ApiKeyPrincipal = { apiKeyId: string; accountId: string; userId: string; accountStatus: string };

/**
 * Resolves `Authorization: Bearer mk_…` to its account. One indexed lookup by hash; last-used is
 * bumped at most once a minute and never delays the caller.
 */
export async function authenticateApiKey(db: Db, secret: string): Promise<ApiKeyPrincipal> {
  if (!secret.startsWith(API_KEY_PREFIX) || secret.length !== API_KEY_PREFIX.length + SECRET_LENGTH) {
    throw new AppError("unauthenticated", "Invalid API key format: expected a key starting with mk_");
  }
  const [row] = await db
    .select({ id: apiKeys.id, accountId: apiKeys.accountId, userId: apiKeys.createdByUserId, revokedAt: apiKeys.revokedAt, lastUsedAt: apiKeys.lastUsedAt, accountStatus: accounts.status })
    .from(apiKeys)
    .innerJoin(accounts, eq(accounts.id, apiKeys.accountId))
    .where(eq(apiKeys.secretHash, sha256Hex(secret)))
    .limit(1);
  if (!row) throw new AppError("unauthenticated", "Unknown API key");
  if (row.revokedAt) throw new AppError("unauthenticated", "This API key has been revoked");
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    void db
      .update(apiKeys)
      .set({ lastUsedAt: sql`now()` })
      .where(and(eq(apiKeys.id, row.id), isNull(apiKeys.revokedAt)))
      .catch((e) => console.error("api key last_used update failed", e));
  }
  return { apiKeyId: row.id, accountId: row.accountId, userId: row.userId, accountStatus: row.accountStatus };
}
