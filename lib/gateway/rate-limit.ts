/**
 * Per-caller request rate limit: a token bucket in this process's memory, so it costs no database
 * round trip. The trade-off: with N app instances the effective limit is up to N× the setting
 * (each instance has its own buckets). For a hard global limit, put a shared limiter in front.
 */
export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

type Bucket = { tokens: number; updatedAt: number };

export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly options: { requestsPerSecond: number; burst: number; now?: () => number }) {}

  take(key: string): RateLimitDecision {
    const { requestsPerSecond: rate, burst } = this.options;
    if (rate <= 0) return { allowed: true };
    const now = (this.options.now ?? Date.now)();
    const bucket = this.buckets.get(key) ?? { tokens: burst, updatedAt: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * rate);
    bucket.updatedAt = now;
    if (this.buckets.size > 50_000) this.buckets.clear(); // a crude bound on memory; a refill is harmless
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rate)) };
  }
}
