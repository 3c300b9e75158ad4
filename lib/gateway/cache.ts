import { and, eq, gt, lt, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { gatewayResponseCache } from "@/db/schema";
import { sha256Hex } from "@/lib/crypto";
import { canonicalJson } from "./canonical";
import type { ChatCompletionBody } from "./schemas";

/**
 * Fields that never change the answer: how it is delivered (stream, stream_options), who asked
 * (user, metadata) and provider bookkeeping (store, service_tier). Everything else is part of the key.
 */
const NOT_PART_OF_THE_ANSWER = new Set(["stream", "stream_options", "user", "metadata", "store", "service_tier", "model"]);

/** The cache key's request half: canonical JSON of the answer-deciding fields, hashed. */
export function cacheRequestHash(body: ChatCompletionBody): string {
  const normalized: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (!NOT_PART_OF_THE_ANSWER.has(k) && v !== null && v !== undefined) normalized[k] = v;
  }
  return sha256Hex(canonicalJson(normalized));
}

export type CachedCompletion = Record<string, unknown>;

/** An unexpired entry for this account + model + request, or null. Bumps its hit counter. */
export async function findCachedCompletion(db: DbOrTx, key: { accountId: string; model: string; requestHash: string }): Promise<CachedCompletion | null> {
  const rows = await db
    .update(gatewayResponseCache)
    .set({ hits: sql`${gatewayResponseCache.hits} + 1` })
    .where(
      and(
        eq(gatewayResponseCache.accountId, key.accountId),
        eq(gatewayResponseCache.model, key.model),
        eq(gatewayResponseCache.requestHash, key.requestHash),
        gt(gatewayResponseCache.expiresAt, sql`now()`),
      ),
    )
    .returning({ response: gatewayResponseCache.response });
  return (rows[0]?.response as CachedCompletion | undefined) ?? null;
}

/** Stores (or refreshes) an entry. Only complete, successful answers are ever stored. */
export async function storeCachedCompletion(
  db: DbOrTx,
  entry: { accountId: string; model: string; requestHash: string; response: CachedCompletion; sourceRequestId: string; ttlSeconds: number },
): Promise<void> {
  const expiresAt = sql`now() + make_interval(secs => ${entry.ttlSeconds})`;
  await db
    .insert(gatewayResponseCache)
    .values({ accountId: entry.accountId, model: entry.model, requestHash: entry.requestHash, response: entry.response, sourceRequestId: entry.sourceRequestId, expiresAt })
    .onConflictDoUpdate({
      target: [gatewayResponseCache.accountId, gatewayResponseCache.model, gatewayResponseCache.requestHash],
      set: { response: entry.response, sourceRequestId: entry.sourceRequestId, expiresAt, hits: 0, updatedAt: sql`now()` },
    });
}

/** Deletes expired entries (a periodic job calls this); returns how many went. */
export async function purgeExpiredCache(db: DbOrTx, now: Date = new Date()): Promise<number> {
  const rows = await db.delete(gatewayResponseCache).where(lt(gatewayResponseCache.expiresAt, now)).returning({ model: gatewayResponseCache.model });
  return rows.length;
}
