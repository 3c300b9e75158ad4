import { describe, expect, it } from "vitest";
import { backoffDelayMs, isRetryableStatus, sleep } from "../upstream/retry";

describe("retry policy", () => {
  it("retries 408, 409, 429 and every 5xx; not 400, 401, 404, 422", () => {
    expect([408, 409, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 422].some(isRetryableStatus)).toBe(false);
  });

  it("base 100: attempt 1 waits 50–100 ms, attempt 3 waits 200–400 ms (equal jitter)", () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 10_000 };
    expect(backoffDelayMs(1, policy, null, () => 0)).toBe(50);
    expect(backoffDelayMs(1, policy, null, () => 1)).toBe(100);
    expect(backoffDelayMs(3, policy, null, () => 0)).toBe(200);
    expect(backoffDelayMs(3, policy, null, () => 1)).toBe(400);
  });

  it("the cap wins: attempt 10 with base 100 and cap 2000 → at most 2000 ms", () => {
    expect(backoffDelayMs(10, { baseDelayMs: 100, maxDelayMs: 2000 }, null, () => 1)).toBe(2000);
  });

  it("Retry-After: 1 (s) beats a 50 ms backoff; Retry-After: 60 is capped at 2000 ms", () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 2000 };
    expect(backoffDelayMs(1, policy, "1", () => 0)).toBe(1000);
    expect(backoffDelayMs(1, policy, "60", () => 0)).toBe(2000);
  });

  it("sleep rejects as soon as the signal aborts", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const p = sleep(10_000, controller.signal);
    setTimeout(() => controller.abort(new Error("gone")), 10);
    await expect(p).rejects.toThrow("gone");
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
