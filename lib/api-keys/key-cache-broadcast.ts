import { getDbHandle } from "@/db/client";

/**
 * Cross-process invalidation of the API-key cache, for `npm start`, where API-key gateway calls run
 * in the front server's process and revocations happen in Next's: each forget is also sent on a
 * Postgres channel (NOTIFY), which the front server listens to. Off unless API_KEY_CACHE_BROADCAST=1
 * (tools/dev.ts sets it for Next when it runs the front server), so a single process pays nothing.
 */
export const API_KEY_CACHE_CHANNEL = "api_key_cache_forget";
/** Payload that means "forget every key" (breaker trips and resumes). */
export const FORGET_ALL = "*";

export function broadcastApiKeyForget(payload: string): void {
  if (process.env.API_KEY_CACHE_BROADCAST !== "1") return;
  void getDbHandle()
    .sql.notify(API_KEY_CACHE_CHANNEL, payload)
    .catch((e: unknown) => console.error(`api keys: could not broadcast the cache forget of ${payload}; other processes keep it for at most the cache TTL`, e));
}
