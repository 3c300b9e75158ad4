import { describe, expect, it } from "vitest";
import { encode } from "gpt-tokenizer/encoding/o200k_base";
import { countChatPromptTokens, countTokens } from "../tokens";
import { generatePieces, defaultReplyLength } from "../text-generator";
import { FaultSyntaxError, NO_FAULTS, headerSettings, resolveFaultPlan } from "../faults";
import { AttemptTracker } from "../attempt-tracker";

describe("countTokens / countChatPromptTokens", () => {
  it("matches the tokenizer and treats special-token text as ordinary text", () => {
    expect(countTokens("")).toBe(0);
    expect(countTokens("hello world")).toBe(encode("hello world").length);
    expect(countTokens("a <|endoftext|> b")).toBeGreaterThan(3);
  });

  it("applies the cookbook formula: 3 per message + role + content (+1 + name), +3 primer", () => {
    const messages = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is a credit ledger?", name: "alice" },
      { role: "assistant", content: null },
      { role: "user", content: [{ type: "text", text: "part one" }, { type: "image_url" }, { type: "text", text: " part two" }] },
    ];
    const expected =
      3 +
      (3 + countTokens("system") + countTokens("Be brief.")) +
      (3 + countTokens("user") + countTokens("What is a credit ledger?") + 1 + countTokens("alice")) +
      (3 + countTokens("assistant")) +
      (3 + countTokens("user") + countTokens("part one") + countTokens(" part two"));
    expect(countChatPromptTokens(messages)).toBe(expected);
    // Known value from OpenAI's cookbook style: one short user message "hi" is 8 prompt tokens.
    expect(countChatPromptTokens([{ role: "user", content: "hi" }])).toBe(8);
  });
});

describe("generatePieces", () => {
  it("produces exactly the requested number of tokens for many seeds and lengths", () => {
    for (let seed = 1; seed < 400; seed++) {
      const length = (seed * 37) % 500;
      const pieces = generatePieces(seed * 2654435761, length);
      expect(pieces).toHaveLength(length);
      expect(countTokens(pieces.join(""))).toBe(length);
    }
  });

  it("is deterministic, prefix-stable and varies with the seed", () => {
    expect(generatePieces(7, 40)).toEqual(generatePieces(7, 40));
    expect(generatePieces(7, 40).slice(0, 10)).toEqual(generatePieces(7, 10));
    expect(generatePieces(8, 40)).not.toEqual(generatePieces(7, 40));
  });

  it("defaults to 20–60 tokens", () => {
    for (const seed of [0, 1, 40, 41, 12345, 0xffffffff]) {
      expect(defaultReplyLength(seed)).toBeGreaterThanOrEqual(20);
      expect(defaultReplyLength(seed)).toBeLessThanOrEqual(60);
    }
  });
});

describe("fault directives", () => {
  it("parses key=value pairs and bare flags from the text", () => {
    const plan = resolveFaultPlan("please [mock fail_first=2 status=429 slow_ms=5 tokens=9 drop_usage cut_after=3 hang retry_after_ms=7] thanks", "");
    expect(plan).toEqual({ failFirst: 2, failStatus: 429, slowMs: 5, tokens: 9, dropUsage: true, cutAfter: 3, hang: true, retryAfterMs: 7 });
  });

  it("returns no faults without a directive, and headers override the directive", () => {
    expect(resolveFaultPlan("just text [not a directive]", "")).toBe(NO_FAULTS);
    const settings = headerSettings({ "x-mock-fail-first": "4", "x-mock-drop-usage": "0", "x-mock": "slow_ms=3", authorization: "Bearer x" });
    const plan = resolveFaultPlan("[mock fail_first=1 drop_usage]", settings);
    expect(plan).toMatchObject({ failFirst: 4, dropUsage: false, slowMs: 3 });
  });

  it("rejects unknown keys and bad values", () => {
    expect(() => resolveFaultPlan("[mock nope=1]", "")).toThrow(FaultSyntaxError);
    expect(() => resolveFaultPlan("[mock fail_first=-1]", "")).toThrow(FaultSyntaxError);
    expect(() => resolveFaultPlan("[mock status=200]", "")).toThrow(FaultSyntaxError);
    expect(() => resolveFaultPlan("[mock hang=maybe]", "")).toThrow(FaultSyntaxError);
  });
});

describe("AttemptTracker", () => {
  it("counts attempts per fingerprint and expires idle ones", () => {
    let now = 0;
    const tracker = new AttemptTracker(1000, 10, () => now);
    expect(tracker.record("a")).toBe(1);
    expect(tracker.record("a")).toBe(2);
    expect(tracker.record("b")).toBe(1);
    now = 900;
    expect(tracker.record("a")).toBe(3); // refreshes a's last-seen time
    now = 1500; // b idle for 1500 ms: expired; a idle 600 ms: kept
    expect(tracker.snapshot()).toEqual({ a: 3 });
    expect(tracker.record("b")).toBe(1);
  });

  it("evicts the least recently seen fingerprint beyond its size bound", () => {
    const tracker = new AttemptTracker(60_000, 2, () => 0);
    tracker.record("a");
    tracker.record("b");
    tracker.record("a");
    tracker.record("c");
    expect(Object.keys(tracker.snapshot()).sort()).toEqual(["a", "c"]);
  });
});
