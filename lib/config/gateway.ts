import { z } from "zod";

/**
 * Gateway tuning, from the environment (all optional). Kept apart from ./env.ts because only the
 * gateway reads it; validated once like the rest.
 */
const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

const gatewayEnvSchema = z.object({
  /** Upstream attempts per request (1 = no retry). */
  GATEWAY_RETRY_ATTEMPTS: int(3, 1),
  /** First backoff; doubles per attempt, full jitter, capped by GATEWAY_RETRY_MAX_DELAY_MS. */
  GATEWAY_RETRY_BASE_MS: int(200),
  GATEWAY_RETRY_MAX_DELAY_MS: int(2000),
  /** Per attempt: until the whole body (non-streaming) or the response headers (streaming). */
  GATEWAY_ATTEMPT_TIMEOUT_MS: int(60_000, 1),
  /** Streams: the longest silence between two upstream chunks before the stream is cut. */
  GATEWAY_STREAM_IDLE_TIMEOUT_MS: int(60_000, 1),
  /** Per API key (or per signed-in user), in-process token bucket. 0 = unlimited. */
  GATEWAY_RATE_LIMIT_RPS: int(100),
  GATEWAY_RATE_LIMIT_BURST: int(200, 1),
  /** Response cache default time-to-live; `x-cache-ttl` may lower or raise it up to the max. */
  GATEWAY_CACHE_TTL_SECONDS: int(3600, 1),
  GATEWAY_CACHE_MAX_TTL_SECONDS: int(7 * 24 * 3600, 1),
  /** How long an API key lookup is reused in this process (revocation here clears it at once). */
  GATEWAY_KEY_CACHE_TTL_MS: int(10_000),
  /** Holds placed ahead of demand per busy API key and kind (JSON, stream); 0 = no hold pool (lib/gateway/hold-pool.ts). */
  GATEWAY_HOLD_POOL_SIZE: int(2),
  /** A pooled hold older than this is not handed out but released: it bounds how long a freeze whose broadcast was lost can go unseen. */
  GATEWAY_HOLD_POOL_MAX_AGE_MS: int(5_000, 100),
  /** A pool places a hold only while this many times its size in grant credits stays available after it. */
  GATEWAY_HOLD_POOL_KEEP_AVAILABLE: int(100, 1),
});

export type GatewayConfig = {
  retry: { attempts: number; baseDelayMs: number; maxDelayMs: number; attemptTimeoutMs: number };
  streamIdleTimeoutMs: number;
  rateLimit: { requestsPerSecond: number; burst: number };
  cache: { defaultTtlSeconds: number; maxTtlSeconds: number };
  keyCacheTtlMs: number;
  holdPool: { size: number; maxAgeMs: number; keepAvailableMultiple: number };
};

let cached: GatewayConfig | undefined;

export function getGatewayConfig(): GatewayConfig {
  if (cached) return cached;
  const parsed = gatewayEnvSchema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid gateway environment:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  cached = {
    retry: {
      attempts: e.GATEWAY_RETRY_ATTEMPTS,
      baseDelayMs: e.GATEWAY_RETRY_BASE_MS,
      maxDelayMs: e.GATEWAY_RETRY_MAX_DELAY_MS,
      attemptTimeoutMs: e.GATEWAY_ATTEMPT_TIMEOUT_MS,
    },
    streamIdleTimeoutMs: e.GATEWAY_STREAM_IDLE_TIMEOUT_MS,
    rateLimit: { requestsPerSecond: e.GATEWAY_RATE_LIMIT_RPS, burst: e.GATEWAY_RATE_LIMIT_BURST },
    cache: { defaultTtlSeconds: e.GATEWAY_CACHE_TTL_SECONDS, maxTtlSeconds: e.GATEWAY_CACHE_MAX_TTL_SECONDS },
    keyCacheTtlMs: e.GATEWAY_KEY_CACHE_TTL_MS,
    holdPool: { size: e.GATEWAY_HOLD_POOL_SIZE, maxAgeMs: e.GATEWAY_HOLD_POOL_MAX_AGE_MS, keepAvailableMultiple: e.GATEWAY_HOLD_POOL_KEEP_AVAILABLE },
  };
  return cached;
}

/** Tests change process.env between files; this forgets the parsed copy. */
export function resetGatewayConfigForTests(): void {
  cached = undefined;
}
