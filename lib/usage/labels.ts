import { and, eq, inArray } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { apiKeys, users } from "@/db/schema";

/** Display names for the user ids in a breakdown (email when the name is empty). */
export async function memberLabels(db: DbOrTx, userIds: string[]): Promise<Map<string, string>> {
  if (userIds.length === 0) return new Map();
  const rows = await db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(inArray(users.id, userIds));
  return new Map(rows.map((r) => [r.id, r.name || r.email]));
}

/** "Name (mk_7Hc2…)" for the API keys of this account; a revoked key says so. */
export async function apiKeyLabels(db: DbOrTx, accountId: string, keyIds: string[]): Promise<Map<string, string>> {
  if (keyIds.length === 0) return new Map();
  const rows = await db
    .select({ id: apiKeys.id, name: apiKeys.name, prefix: apiKeys.prefix, revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(and(eq(apiKeys.accountId, accountId), inArray(apiKeys.id, keyIds)));
  return new Map(rows.map((r) => [r.id, `${r.name} (${r.prefix}…)${r.revokedAt ? " · revoked" : ""}`]));
}
