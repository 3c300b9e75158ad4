import { describe, expect, it } from "vitest";
import { TokenBucketLimiter } from "../rate-limit";
import { cacheRequestHash } from "../cache";
import { canonicalJson } from "../canonical";
import { openAiErrorBody } from "../http/openai-error";
import { AppError } from "@/lib/errors";
import { countTokens as countO200k } from "gpt-tokenizer/encoding/o200k_base";
import { TwoGenerationMemo, countPromptTokens, countTextTokens } from "../tokens";
import type { ChatCompletionBody } from "../schemas";

describe("TokenBucketLimiter", () => {
  it("burst 3 at 1 rps: 3 allowed, the 4th refused with retry-after 1 s, allowed again 1 s later", () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ requestsPerSecond: 1, burst: 3, now: () => now });
    expect([1, 2, 3].map(() => limiter.take("k").allowed)).toEqual([true, true, true]);
    expect(limiter.take("k")).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take("other").allowed).toBe(true);
    now = 1000;
    expect(limiter.take("k").allowed).toBe(true);
  });

  it("rate 0 means unlimited", () => {
    const limiter = new TokenBucketLimiter({ requestsPerSecond: 0, burst: 1 });
    expect(Array.from({ length: 100 }, () => limiter.take("k").allowed).every(Boolean)).toBe(true);
  });
});

describe("cache key", () => {
  const base: ChatCompletionBody = { model: "standard", messages: [{ role: "user", content: "hi" }], temperature: 0 };

  it("key order, stream and metadata do not change the hash; temperature does", () => {
    const reordered = { temperature: 0, messages: [{ content: "hi", role: "user" as const }], model: "standard", stream: true, metadata: { action: "x" } };
    expect(cacheRequestHash(reordered)).toBe(cacheRequestHash(base));
    expect(cacheRequestHash({ ...base, temperature: 1 })).not.toBe(cacheRequestHash(base));
  });

  it("canonicalJson sorts nested keys and drops undefined", () => {
    expect(canonicalJson({ b: { d: 1, c: [{ z: 1, y: 2 }] }, a: undefined })).toBe('{"b":{"c":[{"y":2,"z":1}],"d":1}}');
  });
});

describe("OpenAI error shape", () => {
  it("insufficient_credits → 402, type insufficient_credits, says to top up, carries the numbers", () => {
    const { status, body } = openAiErrorBody(new AppError("insufficient_credits", "Not enough credits", { details: { availableCredits: 10, requestedCredits: 1074 } }));
    expect(status).toBe(402);
    expect(body.error).toMatchObject({ type: "insufficient_credits", code: "insufficient_credits", available_credits: 10, requested_credits: 1074, param: null });
    expect(body.error.message).toMatch(/Top up/);
  });

  it("unknown model → 404 with code model_not_found and param model; bad key → 401 invalid_api_key", () => {
    expect(openAiErrorBody(new AppError("not_found", "no", { details: { param: "model", reason: "model_not_found" } }))).toMatchObject({
      status: 404,
      body: { error: { code: "model_not_found", param: "model" } },
    });
    expect(openAiErrorBody(new AppError("unauthenticated", "bad"))).toMatchObject({ status: 401, body: { error: { type: "authentication_error", code: "invalid_api_key" } } });
  });

  it("a driver error becomes a generic 500 without its text", () => {
    const { status, body } = openAiErrorBody(new Error("connection to 10.0.0.3 refused"));
    expect(status).toBe(500);
    expect(body.error.message).not.toMatch(/10\.0\.0\.3/);
  });
});

describe("prompt tokens", () => {
  it("one user message 'hello' → 3 primer + 3 per message + role + content tokens", () => {
    expect(countPromptTokens([{ role: "user", content: "hello" }])).toBe(3 + 3 + countTextTokens("user") + countTextTokens("hello"));
  });

  it("an image part holds OpenAI's ceiling: low detail 85, high/auto 85 + 170 × 8 tiles = 1,445", () => {
    const base = countPromptTokens([{ role: "user", content: [{ type: "text", text: "hello" }] }]);
    const withImage = (detail?: string) =>
      countPromptTokens([{ role: "user", content: [{ type: "text", text: "hello" }, { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", ...(detail ? { detail } : {}) } }] }]);
    expect(withImage("low") - base).toBe(85);
    expect(withImage("high") - base).toBe(1_445);
    expect(withImage() - base).toBe(1_445);
  });

  it("special-token text is ordinary text, not a crash", () => {
    expect(countTextTokens("<|endoftext|>")).toBeGreaterThan(1);
  });

  it("counts through the memo equal the tokenizer's, the first time and again", () => {
    const direct = (t: string) => countO200k(t, { disallowedSpecial: new Set<string>() });
    const texts = ["You are a helpful assistant.", "Summarise the usage of account 42 for November.", "<|endoftext|> is text here", "naïve café — 東京"];
    for (const t of [...texts, ...texts]) expect(countTextTokens(t)).toBe(direct(t));
  });

  it("TwoGenerationMemo: keeps what is still used, drops what is not, never holds over 2 × its limit, skips texts over 1/8 of it", () => {
    const m = new TwoGenerationMemo(1_000);
    m.set("a".repeat(100), 1);
    for (let i = 0; i < 9; i++) m.set(`k${i}`.padEnd(100, "x"), i); // 1,000 characters: a full generation
    expect(m.size.chars).toBe(1_000);
    m.set("b".repeat(100), 2); // rolls over: the first generation becomes the previous one
    expect(m.size.chars).toBe(100);
    expect(m.get("a".repeat(100))).toBe(1); // found in the previous generation, promoted
    for (let i = 0; i < 9; i++) m.set(`z${i}`.padEnd(100, "y"), i); // rolls over again
    expect(m.get("a".repeat(100))).toBe(1); // promoted, so it survived
    expect(m.get("k5".padEnd(100, "x"))).toBeUndefined(); // never used again: dropped
    expect(m.size.entries).toBeLessThanOrEqual(20);
    m.set("c".repeat(126), 3);
    expect(m.get("c".repeat(126))).toBeUndefined();
  });
});
