import { describe, expect, it } from "vitest";
import { requestFingerprint } from "./fingerprint";
import { LoopDetector } from "./loop-detector";
import { HourlySpendWindow } from "./spend-window";
import { BreakerState } from "./state";

const MIN = 60_000;
const HOUR = 60 * MIN;
const config = {
  spendMultiple: 10,
  baselineFloorCreditsPerHour: 1_000,
  baselineDays: 7,
  baselineTtlMs: 10 * MIN,
  loopRepeats: 5,
  loopWindowMs: MIN,
  cautiousMs: 30 * MIN,
  cautiousRequestsPerMinute: 2,
  syncIntervalMs: 5_000,
};
const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);

describe("hourly spend window", () => {
  it("100 credits a minute for 90 minutes → the last hour holds 6,000; a 2-hour gap empties it", () => {
    const w = new HourlySpendWindow();
    for (let m = 0; m < 90; m++) w.add(100, T0 + m * MIN);
    expect(w.total(T0 + 89 * MIN)).toBe(6_000);
    expect(w.total(T0 + 89 * MIN + 2 * HOUR)).toBe(0);
  });
});

describe("agent-loop signature", () => {
  it("5 repeats within 60 s → loop on the 5th; 5 repeats spread over 2 minutes → no loop", () => {
    const d = new LoopDetector({ repeats: 5, windowMs: MIN });
    const hits = [0, 1, 2, 3, 4].map((i) => d.hit("key_a", 42, T0 + i * 1000));
    expect(hits).toEqual([false, false, false, false, true]);
    const slow = [0, 1, 2, 3, 4].map((i) => d.hit("key_b", 42, T0 + i * 30_000));
    expect(slow.some(Boolean)).toBe(false);
  });

  it("near-identical: a changing counter or spacing folds to one fingerprint; different words do not", () => {
    const f = (content: string) => requestFingerprint({ model: "standard", messages: [{ role: "user", content }] });
    expect(f("Retry step 17 of the plan")).toBe(f("retry  step 18 of the plan"));
    expect(f("Summarise chapter one")).not.toBe(f("Translate chapter one"));
  });
});

describe("spend breaker", () => {
  function withBaseline(creditsPerHour: number) {
    const s = new BreakerState(config);
    s.setBaseline("acct_1", { creditsPerHour, breakerEnabled: true, loadedAt: T0 });
    return s;
  }

  it("heavy but steady: 20,000 credits/hour for 3 hours on a 20,000/hour baseline → never trips", () => {
    const s = withBaseline(20_000);
    for (let m = 0; m < 180; m++) {
      const r = s.recordSpend("acct_1", 20_000 / 60, T0 + m * MIN);
      expect(r.trip).toBeNull();
    }
  });

  it("runaway: 10× a 2,000/hour baseline is 20,000; spending 500/minute trips in the 41st minute, and the account is refused", () => {
    const s = withBaseline(2_000);
    let trippedAt = -1;
    for (let m = 0; m < 60 && trippedAt < 0; m++) if (s.recordSpend("acct_1", 500, T0 + m * MIN).trip) trippedAt = m;
    expect(trippedAt).toBe(40); // 41 × 500 = 20,500 > 20,000
    const a = s.admit("acct_1", "key_1", null, T0 + 41 * MIN);
    expect(a).toMatchObject({ ok: false, kind: "frozen" });
    if (!a.ok && a.kind === "frozen") expect(a.trip.message).toMatch(/20,500 credits in the last hour, 10× its typical 2,000/);
  });

  it("no history: the floor (1,000/hour) is the baseline → trips past 10,000 credits in the hour", () => {
    const s = withBaseline(0);
    expect(s.recordSpend("acct_1", 10_000, T0).trip).toBeNull();
    expect(s.recordSpend("acct_1", 1, T0).trip).not.toBeNull();
  });

  it("baseline not loaded yet → never trips, asks for it once", () => {
    const s = new BreakerState(config);
    const first = s.recordSpend("acct_1", 1_000_000, T0);
    expect(first).toEqual({ trip: null, needsBaseline: true });
    s.markBaselineLoading("acct_1", true);
    expect(s.recordSpend("acct_1", 1, T0).needsBaseline).toBe(false);
  });

  it("breaker off for the account → never trips", () => {
    const s = new BreakerState(config);
    s.setBaseline("acct_1", { creditsPerHour: 0, breakerEnabled: false, loadedAt: T0 });
    expect(s.recordSpend("acct_1", 1_000_000, T0).trip).toBeNull();
  });

  it("breaker switched off before any baseline is loaded → 5 identical requests from a key do not trip it", () => {
    const s = new BreakerState(config);
    s.setEnabled("acct_1", false);
    const admitted = [0, 1, 2, 3, 4].map((i) => s.admit("acct_1", "key_1", 42, T0 + i * 1000).ok);
    expect(admitted).toEqual([true, true, true, true, true]);
    s.setEnabled("acct_1", true);
    const again = [5, 6, 7, 8, 9].map((i) => s.admit("acct_1", "key_1", 42, T0 + i * 1000).ok);
    expect(again).toContain(false);
  });

  it("resume → cautious: 2 requests a minute for 30 minutes, the tripping hour forgotten, then normal", () => {
    const s = withBaseline(0);
    const trip = s.recordSpend("acct_1", 20_000, T0).trip!;
    s.resume(trip, T0 + 30 * MIN);
    const t = T0 + MIN;
    expect([s.admit("acct_1", null, null, t).ok, s.admit("acct_1", null, null, t).ok, s.admit("acct_1", null, null, t).ok]).toEqual([true, true, false]);
    expect(s.admit("acct_1", null, null, t + MIN).ok).toBe(true);
    expect(s.recordSpend("acct_1", 100, t).trip).toBeNull(); // the 20,000 that tripped it is gone
    const later = T0 + 31 * MIN;
    expect([1, 2, 3, 4].map(() => s.admit("acct_1", null, null, later).ok)).toEqual([true, true, true, true]);
  });
});
