import { z } from "zod";
import { usageUi } from "@/lib/config/usage";

/**
 * Cost-protection tuning, from the environment (all optional), validated once like the rest.
 * Kept apart from lib/config/env.ts because only protection reads it.
 */
const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

const protectionEnvSchema = z.object({
  /** Trip when the last hour's spend exceeds this multiple of the typical hourly spend. */
  BREAKER_SPEND_MULTIPLE: int(10, 2),
  /**
   * Typical hourly spend never counts as less than this (new accounts have no history), credits.
   * 100,000 × the default multiple of 10 = 1,000,000 credits in an hour (a whole month of the Pro
   * allowance) before a new account trips; a lower floor stopped legitimate first-day bursts.
   */
  BREAKER_BASELINE_FLOOR_CREDITS_PER_HOUR: int(100_000, 1),
  /** Days of history the typical hourly spend is averaged over. */
  BREAKER_BASELINE_DAYS: int(7, 1),
  /** How long a loaded baseline is reused before it is reloaded (off the request path). */
  BREAKER_BASELINE_TTL_SECONDS: int(600, 1),
  /** Agent-loop signature: this many near-identical requests from one API key … */
  BREAKER_LOOP_REPEATS: int(30, 2),
  /** … within this many seconds. */
  BREAKER_LOOP_WINDOW_SECONDS: int(60, 1),
  /** After a resume, the account runs in cautious mode for this long … */
  BREAKER_CAUTIOUS_MINUTES: int(60, 0),
  /** … at this many requests per minute (per account). */
  BREAKER_CAUTIOUS_REQUESTS_PER_MINUTE: int(20, 1),
  /** How often each instance reloads trips/resumes made by other instances. */
  BREAKER_SYNC_INTERVAL_MS: int(5_000, 100),
  /** Low-balance notice (and the shell's "Top up" prompt) below this; default in lib/config/usage.ts. 0 = off. */
  NOTIFY_LOW_BALANCE_CREDITS: int(usageUi.lowBalanceCredits, 0),
  /** Invoice spike guard: flag an invoice more than this percent above the previous one. */
  SPIKE_GUARD_PERCENT: int(50, 1),
});

export type ProtectionConfig = {
  breaker: {
    spendMultiple: number;
    baselineFloorCreditsPerHour: number;
    baselineDays: number;
    baselineTtlMs: number;
    loopRepeats: number;
    loopWindowMs: number;
    cautiousMs: number;
    cautiousRequestsPerMinute: number;
    syncIntervalMs: number;
  };
  lowBalanceCredits: number;
  spikeGuardPercent: number;
};

let cached: ProtectionConfig | undefined;

export function getProtectionConfig(): ProtectionConfig {
  if (cached) return cached;
  const parsed = protectionEnvSchema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid protection environment:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  cached = {
    breaker: {
      spendMultiple: e.BREAKER_SPEND_MULTIPLE,
      baselineFloorCreditsPerHour: e.BREAKER_BASELINE_FLOOR_CREDITS_PER_HOUR,
      baselineDays: e.BREAKER_BASELINE_DAYS,
      baselineTtlMs: e.BREAKER_BASELINE_TTL_SECONDS * 1000,
      loopRepeats: e.BREAKER_LOOP_REPEATS,
      loopWindowMs: e.BREAKER_LOOP_WINDOW_SECONDS * 1000,
      cautiousMs: e.BREAKER_CAUTIOUS_MINUTES * 60_000,
      cautiousRequestsPerMinute: e.BREAKER_CAUTIOUS_REQUESTS_PER_MINUTE,
      syncIntervalMs: e.BREAKER_SYNC_INTERVAL_MS,
    },
    lowBalanceCredits: e.NOTIFY_LOW_BALANCE_CREDITS,
    spikeGuardPercent: e.SPIKE_GUARD_PERCENT,
  };
  return cached;
}

/** Tests change process.env between files; this forgets the parsed copy. */
export function resetProtectionConfigForTests(): void {
  cached = undefined;
}
