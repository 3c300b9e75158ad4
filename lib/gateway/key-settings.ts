import { and, eq, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { apiKeys, gatewayKeySettings } from "@/db/schema";
import { assertRole, type AccountContext } from "@/lib/accounts/roles";
import { recordAudit } from "@/lib/accounts/audit";
import { notFound } from "@/lib/errors";
import { TtlCache } from "@/lib/ttl-cache";

export type KeySettings = { cacheEnabled: boolean; cacheTtlSeconds: number | null };
export const DEFAULT_KEY_SETTINGS: KeySettings = { cacheEnabled: false, cacheTtlSeconds: null };

// Same staleness bound as the key cache: a change in this process applies at once, elsewhere within
// the TTL; and, like it, re-read in the background while in use (lib/api-keys/key-cache.ts).
const cacheFor = (ttlMs: number) => new TtlCache<KeySettings>({ ttlMs, maxEntries: 10_000, refreshAhead: true });
let cache = cacheFor(10_000);

export function configureKeySettingsCache(options: { ttlMs: number }): void {
  cache = cacheFor(options.ttlMs);
}

/** The gateway settings of one key (defaults when it has none), from the in-process cache when fresh. */
export function getKeySettingsCached(db: Db, accountId: string, apiKeyId: string): Promise<KeySettings> {
  return cache.get(apiKeyId, async () => {
    const [row] = await db
      .select({ cacheEnabled: gatewayKeySettings.cacheEnabled, cacheTtlSeconds: gatewayKeySettings.cacheTtlSeconds })
      .from(gatewayKeySettings)
      .where(and(eq(gatewayKeySettings.accountId, accountId), eq(gatewayKeySettings.apiKeyId, apiKeyId)));
    return row ?? DEFAULT_KEY_SETTINGS;
  });
}

/** Admins turn the response cache on or off for a key; audited. */
export async function setKeySettings(db: Db, actor: AccountContext, apiKeyId: string, patch: Partial<KeySettings>): Promise<KeySettings> {
  assertRole(actor.role, "admin", "change API key settings");
  const result = await db.transaction(async (tx: DbOrTx) => {
    const [key] = await tx
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(and(eq(apiKeys.id, apiKeyId), eq(apiKeys.accountId, actor.accountId)));
    if (!key) throw notFound("API key");
    const [row] = await tx
      .insert(gatewayKeySettings)
      .values({ apiKeyId, accountId: actor.accountId, ...DEFAULT_KEY_SETTINGS, ...patch })
      .onConflictDoUpdate({ target: gatewayKeySettings.apiKeyId, set: { ...patch, updatedAt: sql`now()` } })
      .returning({ cacheEnabled: gatewayKeySettings.cacheEnabled, cacheTtlSeconds: gatewayKeySettings.cacheTtlSeconds });
    await recordAudit(tx, { accountId: actor.accountId, actorUserId: actor.userId, action: "api_key.gateway_settings_changed", targetType: "api_key", targetId: apiKeyId, after: patch });
    return row!;
  });
  cache.delete(apiKeyId);
  return result;
}
