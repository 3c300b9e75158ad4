import { getProtectionConfig } from "../config";
import { BreakerState } from "./state";

/**
 * The process's one breaker (kept on globalThis so `next dev` reloads keep it), with the clock it
 * reads. Tests replace the clock and start from a clean state.
 */
type Registry = {
  state: BreakerState;
  now: () => number;
  lastSyncAt: number;
  syncing: boolean;
  /** When this process last re-read the trips before enforcing a freeze (guard.ts confirmBreakerFreeze). */
  freezeConfirmedAt?: number;
  resumesSeen: Map<string, number>;
  lowBalanceCheckedAt: Map<string, number>;
};

const g = globalThis as unknown as { __meterlineBreaker?: Registry };

export function breaker(): Registry {
  return (g.__meterlineBreaker ??= fresh(Date.now));
}

function fresh(now: () => number): Registry {
  return { state: new BreakerState(getProtectionConfig().breaker), now, lastSyncAt: 0, syncing: false, resumesSeen: new Map(), lowBalanceCheckedAt: new Map() };
}

/** Tests: a clean breaker (after a config change) with an optional fake clock. */
export function resetBreakerForTests(options: { now?: () => number } = {}): Registry {
  g.__meterlineBreaker = fresh(options.now ?? Date.now);
  return g.__meterlineBreaker;
}
