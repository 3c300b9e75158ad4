/**
 * The agent-loop signature: one API key sending `repeats` requests with the same fingerprint
 * within `windowMs`. Counted with a sliding-window estimate (this window's count plus the previous
 * window's, weighted by how much of it still overlaps), so each fingerprint costs a few numbers
 * and a check is O(1) whatever the thresholds; memory is bounded per key and overall.
 */
const MAX_FINGERPRINTS_PER_KEY = 256;
const MAX_KEYS = 50_000;

type Counter = { windowStart: number; current: number; previous: number };

export class LoopDetector {
  private readonly keys = new Map<string, Map<number, Counter>>();

  constructor(private readonly options: { repeats: number; windowMs: number }) {}

  /** Records one request; true when it completes the loop signature. */
  hit(keyId: string, fingerprint: number, nowMs: number): boolean {
    let perKey = this.keys.get(keyId);
    if (!perKey) {
      if (this.keys.size >= MAX_KEYS) this.keys.clear(); // crude bound; forgetting only delays a trip
      perKey = new Map();
      this.keys.set(keyId, perKey);
    }
    const w = this.options.windowMs;
    let c = perKey.get(fingerprint);
    if (!c) {
      if (perKey.size >= MAX_FINGERPRINTS_PER_KEY) perKey.delete(perKey.keys().next().value!);
      c = { windowStart: nowMs, current: 0, previous: 0 };
      perKey.set(fingerprint, c);
    }
    const elapsed = nowMs - c.windowStart;
    if (elapsed >= 2 * w) {
      c.windowStart = nowMs;
      c.previous = 0;
      c.current = 0;
    } else if (elapsed >= w) {
      c.windowStart += w;
      c.previous = c.current;
      c.current = 0;
    }
    c.current += 1;
    const overlap = 1 - (nowMs - c.windowStart) / w;
    return c.current + c.previous * overlap >= this.options.repeats;
  }

  forgetKey(keyId: string): void {
    this.keys.delete(keyId);
  }
}
