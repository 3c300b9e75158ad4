import { describe, expect, it } from "vitest";
import { newId } from "./ids";

describe("newId", () => {
  it("1,000 ids (≈ 4 refills of the 4 KiB random pool at 16 bytes each) → 1,000 distinct random parts, each 16 Crockford base32 chars after 10 of time", () => {
    const ids = Array.from({ length: 1000 }, () => newId("req"));
    for (const id of ids) expect(id).toMatch(/^req_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(new Set(ids.map((id) => id.slice(-16))).size).toBe(1000);
  });

  it("2,560 random parts × 16 chars = 40,960 chars → each of the 32 symbols 1,280 ± 25% (no byte reused, no bias from % 32)", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2560; i++) for (const c of newId("req").slice(-16)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(32);
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(960);
      expect(n).toBeLessThan(1600);
    }
  });
});
