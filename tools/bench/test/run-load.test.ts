import { describe, expect, it } from "vitest";
import { runLoad } from "../run-load";
import { percentile } from "../percentile";

/** A fake clock that only moves when a fake request "takes" time. */
function fakeClock() {
  let nowMs = 0;
  return { now: () => nowMs, advance: (ms: number) => (nowMs += ms) };
}

describe("percentile", () => {
  it("uses the nearest rank on the sorted sample", () => {
    const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 99)).toBe(99);
    expect(percentile(oneToHundred, 100)).toBe(100);
    expect(percentile(oneToHundred, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe("runLoad", () => {
  it("runs exactly `requests` requests and computes exact percentiles (one worker, fake clock)", async () => {
    const clock = fakeClock();
    // Request i takes i+1 ms: latencies 1..200 ms.
    const seen: number[] = [];
    const result = await runLoad({
      concurrency: 1,
      requests: 200,
      clock: clock.now,
      makeRequest: async (i) => {
        seen.push(i);
        clock.advance(i + 1);
      },
    });
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(result.requests).toBe(200);
    expect(result.errors).toBe(0);
    expect(result.p50Ms).toBe(100);
    expect(result.p99Ms).toBe(198);
    expect(result.maxMs).toBe(200);
    expect(result.meanMs).toBeCloseTo(100.5);
    // 200 requests over sum(1..200) = 20100 fake ms.
    expect(result.elapsedMs).toBe(20_100);
    expect(result.rps).toBeCloseTo((200 * 1000) / 20_100);
  });

  it("counts errors separately and keeps their messages, excluding them from latencies", async () => {
    const clock = fakeClock();
    const result = await runLoad({
      concurrency: 4,
      requests: 100,
      clock: clock.now,
      makeRequest: async (i) => {
        if (i % 10 === 0) throw new Error(`boom ${i % 20 === 0 ? "even" : "odd"}`);
        clock.advance(5);
      },
    });
    expect(result.requests).toBe(100);
    expect(result.errors).toBe(10);
    expect(result.errorSamples.sort()).toEqual(["boom even", "boom odd"]);
    expect(result.maxMs).toBeLessThan(100); // errors (which took 0 ms here) are not in the sample
  });

  it("runs workers concurrently, up to `concurrency` at once", async () => {
    let inFlight = 0;
    let peak = 0;
    const result = await runLoad({
      concurrency: 8,
      requests: 64,
      makeRequest: async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
      },
    });
    expect(result.requests).toBe(64);
    expect(peak).toBe(8);
  });

  it("stops by itself after durationMs", async () => {
    const started = performance.now();
    const result = await runLoad({
      concurrency: 4,
      durationMs: 200,
      makeRequest: () => new Promise((resolve) => setTimeout(resolve, 10)),
    });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(195);
    expect(elapsed).toBeLessThan(1000);
    // ~4 workers × 200 ms / 10 ms; generous bounds for a busy machine.
    expect(result.requests).toBeGreaterThan(20);
    expect(result.requests).toBeLessThanOrEqual(4 * 21);
    expect(result.rps).toBeGreaterThan(0);
  });

  it("abandons requests still running after the drain timeout, counting them as errors", async () => {
    let aborted = 0;
    const result = await runLoad({
      concurrency: 3,
      durationMs: 50,
      drainTimeoutMs: 100,
      makeRequest: (_i, signal) =>
        new Promise<void>((_resolve, reject) => {
          signal.addEventListener("abort", () => {
            aborted++;
            reject(new Error("aborted"));
          });
        }),
    });
    expect(result.requests).toBe(3);
    expect(result.errors).toBe(3);
    expect(aborted).toBe(3);
    expect(result.p50Ms).toBeNaN();
    expect(result.elapsedMs).toBeLessThan(1000);
  });

  it("rejects runs that could never end and nonsense concurrency", async () => {
    const makeRequest = async () => {};
    await expect(runLoad({ concurrency: 2, makeRequest })).rejects.toThrow(/durationMs or requests/);
    await expect(runLoad({ concurrency: 0, requests: 1, makeRequest })).rejects.toThrow(/concurrency/);
  });
});
