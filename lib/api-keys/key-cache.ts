import type { Db } from "@/db/client";
import { sha256Hex } from "@/lib/crypto";
import { TtlCache } from "@/lib/ttl-cache";
import type postgres from "postgres";
import { authenticateApiKey, type ApiKeyPrincipal } from "./keys";
import { API_KEY_CACHE_CHANNEL, broadcastApiKeyForget, FORGET_ALL } from "./key-cache-broadcast";

/**
 * API key lookups for hot paths (the gateway), reused for a few seconds so a metered call does not
 * pay a database round trip to learn who it is. Staleness bound: a key revoked in THIS process is
 * forgotten at once (revokeApiKey and removeMember call forgetCachedApiKey); revoked in another app instance, it
 * keeps working there for at most `ttlMs` — unless that process listens for the forgets this one
 * broadcasts (listenForApiKeyForgets; the front server of `npm start` does). The account's frozen status is not trusted from here:
 * the ledger checks it on every hold, and a freeze (breaker trip, platform admin) forgets every key, which also releases
 * the gateway's holds placed ahead for them (onApiKeysForgotten).
 */
const DEFAULT_TTL_MS = 10_000;
/**
 * A key in use is re-read in the background near the end of its TTL (TtlCache's refreshAhead), so no call waits for its lookup once the key is warm; the staleness bound stays
 * `ttlMs`. Without it, at the gateway benchmark's 100 keys and ~300 calls/s, every key's entry
 * expires on some call every 10 s: ~20 calls/s (~7 %) waited for this lookup and then for the key's
 * gateway settings: two extra round trips on ~7 % of calls, in the latency tail.
 */
const cacheFor = (ttlMs: number) => new TtlCache<ApiKeyPrincipal>({ ttlMs, maxEntries: 10_000, refreshAhead: true });
let cache = cacheFor(DEFAULT_TTL_MS);
const hashByKeyId = new Map<string, string>();

export function configureApiKeyCache(options: { ttlMs: number }): void {
  cache = cacheFor(options.ttlMs);
  hashByKeyId.clear();
}

/** Like authenticateApiKey (same errors), served from the in-process cache when fresh. */
export async function authenticateApiKeyCached(db: Db, secret: string): Promise<ApiKeyPrincipal> {
  const hash = sha256Hex(secret);
  const principal = await cache.get(hash, () => authenticateApiKey(db, secret));
  if (hashByKeyId.size > 20_000) hashByKeyId.clear();
  hashByKeyId.set(principal.apiKeyId, hash);
  return principal;
}

export function forgetCachedApiKey(apiKeyId: string): void {
  forgetLocally(apiKeyId);
  broadcastApiKeyForget(apiKeyId);
}

function forgetLocally(apiKeyId: string): void {
  const hash = hashByKeyId.get(apiKeyId);
  if (hash) cache.delete(hash);
  hashByKeyId.delete(apiKeyId);
  tellForgotten(apiKeyId);
}

function forgetAllLocally(): void {
  cache.clear();
  hashByKeyId.clear();
  tellForgotten(null);
}

type ForgetListener = (apiKeyId: string | null) => void;
// On globalThis, like the pools that register here (lib/gateway/hold-pool.ts): `next dev` reloads
// this module on edits, and a listener list lost that way would stop forgets reaching them.
const shared = globalThis as typeof globalThis & { meterlineApiKeyForgetListeners?: ForgetListener[] };
const forgetListeners = (shared.meterlineApiKeyForgetListeners ??= []);

/**
 * Called with the key's id whenever a key is forgotten in this process — here or broadcast from
 * another — and with null when all are. What else a process keeps per key follows it: the gateway's
 * pooled holds (lib/gateway/hold-pool.ts) are released, so a revoke or a freeze stops them too.
 */
export function onApiKeysForgotten(listener: ForgetListener): void {
  forgetListeners.push(listener);
}

function tellForgotten(apiKeyId: string | null): void {
  for (const listener of forgetListeners) {
    try {
      listener(apiKeyId);
    } catch (e) {
      console.error("api keys: a forget listener failed", e);
    }
  }
}

/** Forgets every cached key (rare events that change many accounts' standing: breaker trips and resumes). */
export function forgetAllCachedApiKeys(): void {
  forgetAllLocally();
  broadcastApiKeyForget(FORGET_ALL);
}

/** Applies the forgets other processes broadcast (see ./key-cache-broadcast.ts), on a connection of `sql`. */
export async function listenForApiKeyForgets(sql: postgres.Sql): Promise<{ unlisten: () => Promise<void> }> {
  return sql.listen(API_KEY_CACHE_CHANNEL, (payload) => {
    if (payload === FORGET_ALL) forgetAllLocally();
    else forgetLocally(payload);
  });
}
