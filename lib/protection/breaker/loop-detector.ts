/**
 * The agent-loop signature: one API key sending `repeats` requests with the same fingerprint
 * within `windowMs`. Per key and fingerprint it keeps only the last `repeats` arrival times in a
 * ring, so a check is O(1) whatever the traffic; memory is bounded per key and overall.
 */
const MAX_FINGERPRINTS_PER_KEY = 256;
const MAX_KEYS = 50_000;

type Ring = { times: Float64Array; next: number; filled: number };

export class LoopDetector {
  private readonly keys = new Map<string, Map<number, Ring>>();

  constructor(private readonly options: { repeats: number; windowMs: number }) {}

  /** Records one request; true when it completes the loop signature. */
  hit(keyId: string, fingerprint: number, nowMs: number): boolean {
    let perKey = this.keys.get(keyId);
    if (!perKey) {
      if (this.keys.size >= MAX_KEYS) this.keys.clear(); // crude bound; forgetting only delays a trip
      perKey = new Map();
      this.keys.set(keyId, perKey);
    }
    let ring = perKey.get(fingerprint);
    if (!ring) {
      if (perKey.size >= MAX_FINGERPRINTS_PER_KEY) perKey.delete(perKey.keys().next().value!);
      ring = { times: new Float64Array(this.options.repeats), next: 0, filled: 0 };
      perKey.set(fingerprint, ring);
    }
    const n = this.options.repeats;
    ring.times[ring.next] = nowMs;
    ring.next = (ring.next + 1) % n;
    if (ring.filled < n) ring.filled += 1;
    // With the ring full, `next` points at the oldest of the last n arrivals.
    return ring.filled === n && nowMs - ring.times[ring.next]! <= this.options.windowMs;
  }

  forgetKey(keyId: string): void {
    this.keys.delete(keyId);
  }
}
