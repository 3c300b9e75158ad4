import { afterEach, describe, expect, it, vi } from "vitest";
import { TtlCache } from "./ttl-cache";

/** A loader that counts its calls and resolves each with the call's number (or rejects). */
function counter(fail: (n: number) => boolean = () => false) {
  let calls = 0;
  const gates: (() => void)[] = [];
  return {
    load: () => {
      const n = ++calls;
      return new Promise<number>((resolve, reject) => gates.push(() => (fail(n) ? reject(new Error(`load ${n} failed`)) : resolve(n))));
    },
    calls: () => calls,
    /** Lets every load started so far finish. */
    finish: async () => {
      for (const g of gates.splice(0)) g();
      for (let i = 0; i < 5; i++) await Promise.resolve(); // the cache's then-handlers run
    },
  };
}

/** A refresh-ahead cache (TTL 1000 ms, so a window of 300 ms) on fake time 0, with "k" loaded (load 1). */
async function primedAt0(fail?: (n: number) => boolean) {
  vi.useFakeTimers({ now: 0 });
  const cache = new TtlCache<number>({ ttlMs: 1000, maxEntries: 10, refreshAhead: true });
  const c = counter(fail);
  const first = cache.get("k", c.load);
  await c.finish();
  expect(await first).toBe(1);
  return { cache, c };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("TtlCache", () => {
  it("shares one load between concurrent misses and serves it until the TTL", async () => {
    vi.useFakeTimers({ now: 0 });
    const cache = new TtlCache<number>({ ttlMs: 1000, maxEntries: 10 });
    const c = counter();
    const a = cache.get("k", c.load);
    const b = cache.get("k", c.load);
    await c.finish();
    expect([await a, await b]).toEqual([1, 1]);
    vi.setSystemTime(999);
    expect(await cache.get("k", c.load)).toBe(1);
    vi.setSystemTime(1000);
    const expired = cache.get("k", c.load);
    await c.finish();
    expect(await expired).toBe(2);
  });

  it("refresh ahead: a hit in the last window reloads in the background, the caller gets the fresh entry at once", async () => {
    const { cache, c } = await primedAt0();
    vi.setSystemTime(600); // not yet in the window
    expect(await cache.get("k", c.load)).toBe(1);
    expect(c.calls()).toBe(1);
    vi.setSystemTime(800); // in the window: served from the entry, reload started
    const during = cache.get("k", c.load);
    expect(c.calls()).toBe(2);
    expect(await during).toBe(1);
    expect(await cache.get("k", c.load)).toBe(1); // one reload at a time
    expect(c.calls()).toBe(2);
    await c.finish();
    vi.setSystemTime(1400); // past the first entry's TTL, within the reloaded one's (800 + 1000), before its window
    expect(await cache.get("k", c.load)).toBe(2);
    expect(c.calls()).toBe(2);
    vi.setSystemTime(1800); // the reload's age counts from when it started: expired now
    const again = cache.get("k", c.load);
    expect(c.calls()).toBe(3);
    await c.finish();
    expect(await again).toBe(3);
  });

  it.each([
    { why: "a reload that fails drops the entry (a revoked key is seen at once)", fail: (n: number) => n === 2, meanwhile: () => {} },
    { why: "a key forgotten while its reload runs stays forgotten", fail: undefined, meanwhile: (cache: TtlCache<number>) => cache.delete("k") },
  ])("$why: the next caller loads afresh instead of getting the old value", async ({ fail, meanwhile }) => {
    const { cache, c } = await primedAt0(fail);
    vi.setSystemTime(900);
    expect(await cache.get("k", c.load)).toBe(1); // reload 2 starts
    meanwhile(cache);
    await c.finish();
    const next = cache.get("k", c.load);
    expect(c.calls()).toBe(3);
    await c.finish();
    expect(await next).toBe(3);
  });

  it("keeps at most maxEntries, dropping the oldest", async () => {
    const cache = new TtlCache<number>({ ttlMs: 60_000, maxEntries: 2 });
    const c = counter();
    void cache.get("a", c.load);
    void cache.get("b", c.load);
    void cache.get("c", c.load);
    await c.finish();
    void cache.get("a", c.load);
    expect(c.calls()).toBe(4);
    await c.finish();
  });
});
