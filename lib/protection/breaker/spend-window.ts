const MINUTE_MS = 60_000;
const BUCKETS = 60;

/**
 * Credits spent in the last hour, in one-minute buckets: adding is O(1) (at most 60 stale
 * buckets are cleared when time has moved on, however long the gap), and the total is kept
 * as a running sum, so reading it is O(1) too.
 */
export class HourlySpendWindow {
  private readonly buckets = new Float64Array(BUCKETS);
  private lastMinute = -1;
  private sum = 0;

  add(credits: number, nowMs: number): number {
    this.advance(nowMs);
    this.buckets[this.lastMinute % BUCKETS]! += credits;
    this.sum += credits;
    return this.sum;
  }

  /** Credits in the current minute and the 59 before it. */
  total(nowMs: number): number {
    this.advance(nowMs);
    return this.sum;
  }

  reset(): void {
    this.buckets.fill(0);
    this.sum = 0;
    this.lastMinute = -1;
  }

  private advance(nowMs: number): void {
    const minute = Math.floor(nowMs / MINUTE_MS);
    if (this.lastMinute === -1) {
      this.lastMinute = minute;
      return;
    }
    if (minute <= this.lastMinute) return; // clocks may step back a little; count it in the current minute
    const gap = Math.min(minute - this.lastMinute, BUCKETS);
    for (let i = 1; i <= gap; i++) {
      const idx = (this.lastMinute + i) % BUCKETS;
      this.sum -= this.buckets[idx]!;
      this.buckets[idx] = 0;
    }
    this.lastMinute = minute;
  }
}
