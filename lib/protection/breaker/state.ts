import type { BreakerCause, BreakerScope } from "@/db/schema";
import { newId } from "@/lib/ids";
import type { ProtectionConfig } from "../config";
import { LoopDetector } from "./loop-detector";
import { agentLoopMessage, spendSpikeMessage } from "./messages";
import { HourlySpendWindow } from "./spend-window";

export type Trip = {
  id: string;
  accountId: string;
  scope: BreakerScope;
  apiKeyId: string | null;
  cause: BreakerCause;
  message: string;
  details: Record<string, unknown>;
  trippedAt: Date;
};

/** What the history says about an account, loaded off the request path. */
export type Baseline = { creditsPerHour: number; breakerEnabled: boolean; loadedAt: number };

type AccountSpend = { window: HourlySpendWindow; baseline: Baseline | null; loading: boolean };
type Cautious = { until: number; minute: number; count: number };

export type Admission =
  | { ok: true }
  | { ok: false; kind: "frozen"; trip: Trip }
  | { ok: false; kind: "cautious"; until: number; retryAfterSeconds: number }
  | { ok: false; kind: "tripped"; trip: Trip };

const MAX_ACCOUNTS = 100_000;

/**
 * The breaker's memory in one process: frozen accounts and keys, cautious windows, per-account
 * hourly spend, per-key loop rings. Every method is O(1) and synchronous: nothing here touches
 * the database (./guard.ts persists trips and loads baselines around it).
 */
export class BreakerState {
  readonly frozenAccounts = new Map<string, Trip>();
  readonly frozenKeys = new Map<string, Trip>();
  readonly cautious = new Map<string, Cautious>();
  private readonly spend = new Map<string, AccountSpend>();
  private readonly enabledOverrides = new Map<string, boolean>();
  private readonly loops: LoopDetector;

  constructor(private readonly config: ProtectionConfig["breaker"]) {
    this.loops = new LoopDetector({ repeats: config.loopRepeats, windowMs: config.loopWindowMs });
  }

  /**
   * Before a request: refused if its account or key is frozen, or over the cautious rate; a
   * request that completes the loop signature trips its key (and is refused itself).
   */
  admit(accountId: string, apiKeyId: string | null, fingerprint: number | null, nowMs: number): Admission {
    const accountTrip = this.frozenAccounts.get(accountId);
    if (accountTrip) return { ok: false, kind: "frozen", trip: accountTrip };
    if (apiKeyId) {
      const keyTrip = this.frozenKeys.get(apiKeyId);
      if (keyTrip) return { ok: false, kind: "frozen", trip: keyTrip };
    }
    const c = this.cautious.get(accountId);
    if (c) {
      if (nowMs >= c.until) this.cautious.delete(accountId);
      else {
        const minute = Math.floor(nowMs / 60_000);
        if (minute !== c.minute) {
          c.minute = minute;
          c.count = 0;
        }
        if (c.count >= this.config.cautiousRequestsPerMinute) {
          return { ok: false, kind: "cautious", until: c.until, retryAfterSeconds: 60 - Math.floor((nowMs % 60_000) / 1000) };
        }
        c.count += 1;
      }
    }
    if (apiKeyId && fingerprint !== null && this.enabled(accountId) && this.loops.hit(apiKeyId, fingerprint, nowMs)) {
      const windowSeconds = Math.round(this.config.loopWindowMs / 1000);
      const trip = this.freeze({
        id: newId("brk"),
        accountId,
        scope: "api_key",
        apiKeyId,
        cause: "agent_loop",
        message: agentLoopMessage({ repeats: this.config.loopRepeats, windowSeconds }),
        details: { repeats: this.config.loopRepeats, windowSeconds, fingerprint },
        trippedAt: new Date(nowMs),
      });
      return { ok: false, kind: "tripped", trip };
    }
    return { ok: true };
  }

  /**
   * After a capture: adds the credits to the account's hour and trips the account when the hour
   * exceeds the multiple of its typical hourly spend. Until the baseline is loaded it never trips
   * (a restart must not turn a heavy-but-normal account into a false alarm); `needsBaseline`
   * tells the caller to load it.
   */
  recordSpend(accountId: string, credits: number, nowMs: number): { trip: Trip | null; needsBaseline: boolean } {
    const s = this.spendOf(accountId);
    const total = s.window.add(credits, nowMs);
    const b = s.baseline;
    const needsBaseline = !s.loading && (!b || nowMs - b.loadedAt > this.config.baselineTtlMs);
    if (!b || !this.enabled(accountId) || this.frozenAccounts.has(accountId)) return { trip: null, needsBaseline };
    const baselineCreditsPerHour = Math.max(b.creditsPerHour, this.config.baselineFloorCreditsPerHour);
    const limit = baselineCreditsPerHour * this.config.spendMultiple;
    if (total <= limit) return { trip: null, needsBaseline };
    const multiple = this.config.spendMultiple;
    const trip = this.freeze({
      id: newId("brk"),
      accountId,
      scope: "account",
      apiKeyId: null,
      cause: "spend_spike",
      message: spendSpikeMessage({ spentCredits: total, baselineCreditsPerHour, multiple }),
      details: { spentCreditsLastHour: total, baselineCreditsPerHour, historyCreditsPerHour: b.creditsPerHour, multiple, limitCredits: limit },
      trippedAt: new Date(nowMs),
    });
    return { trip, needsBaseline };
  }

  markBaselineLoading(accountId: string, loading: boolean): void {
    this.spendOf(accountId).loading = loading;
  }

  setBaseline(accountId: string, baseline: Baseline): void {
    const s = this.spendOf(accountId);
    s.baseline = baseline;
    s.loading = false;
  }

  /** Records a trip (from this process, or loaded from another instance's). */
  freeze(trip: Trip): Trip {
    if (trip.scope === "account") this.frozenAccounts.set(trip.accountId, trip);
    else if (trip.apiKeyId) this.frozenKeys.set(trip.apiKeyId, trip);
    return trip;
  }

  /**
   * A resume: unfreezes, forgets the hour that tripped it (or the next request would trip again)
   * and the key's loop history, and starts cautious mode when `cautiousUntil` is set.
   */
  resume(trip: { id: string; accountId: string; scope: BreakerScope; apiKeyId: string | null }, cautiousUntil: number | null): void {
    if (trip.scope === "account") {
      if (this.frozenAccounts.get(trip.accountId)?.id === trip.id) this.frozenAccounts.delete(trip.accountId);
    } else if (trip.apiKeyId) {
      if (this.frozenKeys.get(trip.apiKeyId)?.id === trip.id) this.frozenKeys.delete(trip.apiKeyId);
      this.loops.forgetKey(trip.apiKeyId);
    }
    this.spend.get(trip.accountId)?.window.reset();
    if (cautiousUntil !== null) this.cautious.set(trip.accountId, { until: cautiousUntil, minute: -1, count: 0 });
    else this.cautious.delete(trip.accountId);
  }

  tripOfKey(apiKeyId: string): Trip | undefined {
    return this.frozenKeys.get(apiKeyId);
  }

  tripOfAccount(accountId: string): Trip | undefined {
    return this.frozenAccounts.get(accountId);
  }

  /**
   * An account's switch as set in this process (before any baseline was loaded), else as loaded
   * with the baseline, else on: the default every account gets.
   */
  private enabled(accountId: string): boolean {
    return this.enabledOverrides.get(accountId) ?? this.spend.get(accountId)?.baseline?.breakerEnabled ?? true;
  }

  /** The admin switch takes effect here at once; other instances see it with their next baseline load. */
  setEnabled(accountId: string, enabled: boolean): void {
    this.enabledOverrides.set(accountId, enabled);
    const baseline = this.spend.get(accountId)?.baseline;
    if (baseline) baseline.breakerEnabled = enabled;
  }

  private spendOf(accountId: string): AccountSpend {
    let s = this.spend.get(accountId);
    if (!s) {
      if (this.spend.size >= MAX_ACCOUNTS) this.spend.clear();
      s = { window: new HourlySpendWindow(), baseline: null, loading: false };
      this.spend.set(accountId, s);
    }
    return s;
  }
}
