/**
 * A small in-process cache with a time-to-live and a size cap. It stores promises, so concurrent
 * misses for one key share a single load (a burst of 200 first requests makes one DB query).
 * Failed loads are not kept.
 *
 * With `refreshAhead`, an entry hit within the last REFRESH_AHEAD_FRACTION of its TTL is reloaded in the
 * background while the hit is still served from the entry, which is still fresh: a key in steady
 * use never makes a caller wait for its reload, and nothing older than `ttlMs` is ever served (the
 * reloaded entry's age counts from when its load started). A reload that fails drops the entry,
 * so the next caller loads afresh (and sees, say, that the key was revoked).
 */
type Entry<V> = { value: Promise<V>; expiresAt: number; refreshing: boolean };

/** The share of the TTL, at its end, in which a hit starts a background reload (refreshAhead). */
export const REFRESH_AHEAD_FRACTION = 0.3;

export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  /** How long before expiry a hit starts a reload; 0 without refreshAhead. */
  private readonly refreshAheadMs: number;

  constructor(private readonly options: { ttlMs: number; maxEntries: number; refreshAhead?: boolean }) {
    this.refreshAheadMs = options.refreshAhead ? Math.floor(options.ttlMs * REFRESH_AHEAD_FRACTION) : 0;
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    if (this.options.ttlMs <= 0) return load();
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) {
      if (this.refreshAheadMs > 0 && !hit.refreshing && hit.expiresAt - now <= this.refreshAheadMs) this.refresh(key, hit, load, now);
      return hit.value;
    }
    const value = load();
    this.entries.delete(key);
    const entry: Entry<V> = { value, expiresAt: now + this.options.ttlMs, refreshing: false };
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    // Maps iterate in insertion order: the first key is the oldest.
    if (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }

  private refresh(key: string, hit: Entry<V>, load: () => Promise<V>, startedAt: number): void {
    hit.refreshing = true;
    const value = load();
    value.then(
      () => {
        // Replaced or forgotten (delete/clear) meanwhile: that decision stands.
        if (this.entries.get(key) !== hit) return;
        this.entries.delete(key);
        this.entries.set(key, { value, expiresAt: startedAt + this.options.ttlMs, refreshing: false });
      },
      () => {
        if (this.entries.get(key) === hit) this.entries.delete(key);
      },
    );
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
