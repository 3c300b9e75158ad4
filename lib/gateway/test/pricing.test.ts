import { describe, expect, it } from "vitest";
import { findModelPrice, priceBook, type ModelPrice } from "@/lib/config/price-book";
import { creditsFor, maxOutputTokensFor, worstCaseCredits } from "../pricing";
import { AppError } from "@/lib/errors";

const standard = findModelPrice("standard")!;
const large = findModelPrice("mock-large")!;

describe("price book", () => {
  it("every price is a non-negative integer and every id is unique", () => {
    const ids = new Set<string>();
    for (const m of priceBook) {
      for (const v of [m.inputCreditsPer1K, m.outputCreditsPer1K, m.flatCreditsPerCall ?? 0, m.maxOutputTokensDefault, m.maxOutputTokensLimit]) {
        expect(Number.isSafeInteger(v) && v >= 0).toBe(true);
      }
      expect(m.maxOutputTokensDefault).toBeLessThanOrEqual(m.maxOutputTokensLimit);
      expect(ids.has(m.id)).toBe(false);
      ids.add(m.id);
    }
  });
});

describe("creditsFor", () => {
  it("standard: 120 in + 80 out at 1000/1K each → 200 credits (1 credit per token)", () => {
    expect(creditsFor(standard, { inputTokens: 120, outputTokens: 80 })).toBe(200);
  });

  it("mock-large: 10 in at 3000/1K + 7 out at 9000/1K → ceil(30 + 63) = 93", () => {
    expect(creditsFor(large, { inputTokens: 10, outputTokens: 7 })).toBe(93);
  });

  it("fractional sums round up once: 1 in at 1500/1K + 1 out at 1500/1K → ceil(3000/1000) = 3, not 2+2", () => {
    const m: ModelPrice = { ...standard, inputCreditsPer1K: 1500, outputCreditsPer1K: 1500 };
    expect(creditsFor(m, { inputTokens: 1, outputTokens: 1 })).toBe(3);
  });

  it("1 token at 250/1K → ceil(0.25) = 1 credit; 0 tokens → 0", () => {
    const cheap: ModelPrice = { ...standard, inputCreditsPer1K: 250, outputCreditsPer1K: 250 };
    expect(creditsFor(cheap, { inputTokens: 1, outputTokens: 0 })).toBe(1);
    expect(creditsFor(cheap, { inputTokens: 0, outputTokens: 0 })).toBe(0);
  });

  it("flat 5 credits per call is added after rounding: 10 in + 10 out at 1000/1K + 5 → 25", () => {
    expect(creditsFor({ ...standard, flatCreditsPerCall: 5 }, { inputTokens: 10, outputTokens: 10 })).toBe(25);
  });

  it("an amount beyond safe integers throws instead of billing a float", () => {
    expect(() => creditsFor({ ...standard, outputCreditsPer1K: 2 ** 52 }, { inputTokens: 0, outputTokens: 4096 })).toThrow(AppError);
  });
});

describe("worst case and max_tokens", () => {
  it("no max_tokens → the model default (1024): 50 prompt tokens hold 50 + 1024 = 1074", () => {
    expect(worstCaseCredits(standard, 50, maxOutputTokensFor(standard, undefined))).toBe(1074);
  });

  it("max_tokens 100 on mock-large with 20 prompt tokens → ceil(20·3 + 100·9) = 960", () => {
    expect(worstCaseCredits(large, 20, maxOutputTokensFor(large, 100))).toBe(960);
  });

  it("max_tokens above the model limit (8193 > 8192) is refused with invalid_input", () => {
    expect(() => maxOutputTokensFor(large, 8193)).toThrow(expect.objectContaining({ code: "invalid_input" }));
  });
});
