/**
 * Counts attempts per request fingerprint so `fail_first=N` can fail exactly the first N tries of
 * an identical request. Entries expire after `ttlMs` without a new attempt.
 *
 * A Map keeps insertion order; re-inserting on every attempt keeps it ordered by last attempt,
 * so expiry only ever looks at the oldest entries (amortised O(1) per request, no timers).
 */
export class AttemptTracker {
  private readonly entries = new Map<string, { attempts: number; lastSeenMs: number }>();

  constructor(
    private readonly ttlMs: number,
    /** Bound on tracked fingerprints so a long benchmark with unique bodies can't grow memory. */
    private readonly maxEntries = 200_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Record one attempt and return its 1-based number within the TTL window. */
  record(fingerprint: string): number {
    const nowMs = this.now();
    this.expire(nowMs);
    const previous = this.entries.get(fingerprint);
    const attempts = (previous?.attempts ?? 0) + 1;
    if (previous) this.entries.delete(fingerprint);
    this.entries.set(fingerprint, { attempts, lastSeenMs: nowMs });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    return attempts;
  }

  snapshot(): Record<string, number> {
    this.expire(this.now());
    const out: Record<string, number> = {};
    for (const [fingerprint, entry] of this.entries) out[fingerprint] = entry.attempts;
    return out;
  }

  clear(): void {
    this.entries.clear();
  }

  private expire(nowMs: number): void {
    for (const [fingerprint, entry] of this.entries) {
      if (nowMs - entry.lastSeenMs < this.ttlMs) break;
      this.entries.delete(fingerprint);
    }
  }
}
