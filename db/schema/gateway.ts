import { boolean, index, integer, jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { timestamps, tstz } from "./columns";
import { accounts } from "./accounts";
import { apiKeys } from "./api-keys";

/**
 * The gateway's response cache (opt-in per request or per key). One row per account + model +
 * hash of the normalized request; a hit is served without calling the upstream and costs 0 credits.
 */
export const gatewayResponseCache = pgTable(
  "gateway_response_cache",
  {
    accountId: text("account_id").notNull().references(() => accounts.id, { onDelete: "cascade" }),
    model: text("model").notNull(),
    /** SHA-256 (hex) of the canonical JSON of the fields that decide the answer. */
    requestHash: text("request_hash").notNull(),
    /** The assembled chat.completion object (ids and usage are rewritten when served). */
    response: jsonb("response").notNull(),
    /** The request that filled the entry, for support ("where did this answer come from?"). */
    sourceRequestId: text("source_request_id").notNull(),
    hits: integer("hits").notNull().default(0),
    expiresAt: tstz("expires_at").notNull(),
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.accountId, t.model, t.requestHash] }), index("gateway_response_cache_expires_idx").on(t.expiresAt)],
);

export type IdempotencyState = "in_progress" | "completed";

/**
 * Idempotency-Key records: a retried request with the same key and body returns the stored first
 * result and is charged once; the same key with another body is refused (422).
 */
export const gatewayIdempotencyKeys = pgTable(
  "gateway_idempotency_keys",
  {
    accountId: text("account_id").notNull().references(() => accounts.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    /** SHA-256 (hex) of method + path + canonical body: what "the same request" means. */
    fingerprint: text("fingerprint").notNull(),
    requestId: text("request_id").notNull(),
    state: text("state").$type<IdempotencyState>().notNull(),
    /** Set when completed; NULL while in progress. */
    responseStatus: integer("response_status"),
    responseHeaders: jsonb("response_headers").$type<Record<string, string>>(),
    /** The JSON body, or the whole SSE transcript for a stream (replayed as a stream). */
    responseBody: text("response_body"),
    stream: boolean("stream").notNull().default(false),
    /** An in-progress row older than this was abandoned (process died) and may be taken over. */
    lockedUntil: tstz("locked_until").notNull(),
    expiresAt: tstz("expires_at").notNull(),
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.accountId, t.key] }), index("gateway_idempotency_keys_expires_idx").on(t.expiresAt)],
);

/** Per-API-key gateway settings; a key without a row uses the defaults (cache off). */
export const gatewayKeySettings = pgTable("gateway_key_settings", {
  apiKeyId: text("api_key_id")
    .primaryKey()
    .references(() => apiKeys.id, { onDelete: "cascade" }),
  accountId: text("account_id").notNull().references(() => accounts.id, { onDelete: "cascade" }),
  /** Cache every completion made with this key unless the request says `x-cache: off`. */
  cacheEnabled: boolean("cache_enabled").notNull().default(false),
  /** NULL = the gateway default (GATEWAY_CACHE_TTL_SECONDS). */
  cacheTtlSeconds: integer("cache_ttl_seconds"),
  ...timestamps,
});
