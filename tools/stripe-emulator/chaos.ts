/**
 * Failure modes tests can switch on to prove the app copes with Stripe's real
 * delivery guarantees (at-least-once, unordered, late) and with API outages.
 */
export interface ChaosSettings {
  /** Deliver every webhook event twice (same event id, fresh signature). */
  duplicate: boolean;
  /** Deliver each burst of events in a shuffled order; a seed makes it reproducible. */
  shuffle: boolean;
  shuffleSeed: number;
  /** Wait this long before every delivery attempt. */
  delayMs: number;
  /** While set, every /v1 request answers with this status. */
  outage: { status: 500 | 503; untilMs: number | null } | null;
}

export interface ChaosPatch {
  duplicate?: boolean;
  shuffle?: boolean | { seed: number };
  delayMs?: number;
  /** `{ status, seconds? }` starts an outage (until cleared when no seconds); null ends it. */
  outage?: { status?: 500 | 503; seconds?: number } | null;
}

export function defaultChaos(): ChaosSettings {
  return { duplicate: false, shuffle: false, shuffleSeed: 1, delayMs: 0, outage: null };
}

export function applyChaosPatch(current: ChaosSettings, patch: ChaosPatch): ChaosSettings {
  const next = { ...current };
  if (patch.duplicate !== undefined) next.duplicate = patch.duplicate;
  if (patch.shuffle !== undefined) {
    next.shuffle = patch.shuffle !== false;
    if (typeof patch.shuffle === "object") next.shuffleSeed = patch.shuffle.seed;
  }
  if (patch.delayMs !== undefined) next.delayMs = Math.max(0, patch.delayMs);
  if (patch.outage !== undefined) {
    next.outage =
      patch.outage === null
        ? null
        : {
            status: patch.outage.status === 503 ? 503 : 500,
            untilMs: patch.outage.seconds === undefined ? null : Date.now() + patch.outage.seconds * 1000,
          };
  }
  return next;
}

export function activeOutage(chaos: ChaosSettings): 500 | 503 | null {
  if (!chaos.outage) return null;
  if (chaos.outage.untilMs !== null && Date.now() >= chaos.outage.untilMs) return null;
  return chaos.outage.status;
}

/** Small deterministic PRNG (mulberry32) so a shuffle seed reproduces an order. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates; a burst of two or more never comes out in its original order. */
export function shuffleBurst<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = out[i] as T;
    out[i] = out[j] as T;
    out[j] = tmp;
  }
  if (out.length > 1 && out.every((item, i) => item === items[i])) out.push(out.shift() as T);
  return out;
}
