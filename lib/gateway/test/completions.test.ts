import { beforeAll, describe, expect, it } from "vitest";
import { APIError, APIUserAbortError } from "openai";
import { createTestDb, type TestDb } from "@/tests/db";
import type { MockLlm } from "@/tools/mock-llm";
import { countTextTokens, countPromptTokens } from "../tokens";
import { eventually, makePayingAccount, startGatewayRig, balanceAfter, receiptAfter } from "./harness";

let t: TestDb;
let mock: MockLlm;

beforeAll(async () => {
  t = await createTestDb();
  ({ mock } = await startGatewayRig());
});

const user = (content: string) => [{ role: "user" as const, content }];

describe("POST /api/v1/chat/completions through the official openai client", () => {
  it("plain: charged = prompt + completion tokens at 1 credit each, in usage, header, receipt and balance", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const before = await balanceAfter(t.db, a.accountId);
    const { data, response } = await a.client.chat.completions.create({ model: "standard", messages: user("Say hello"), max_tokens: 50 }).withResponse();
    const usage = data.usage as typeof data.usage & { credits_charged: number };
    expect(data.model).toBe("standard");
    expect(data.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(usage.prompt_tokens).toBe(countPromptTokens(user("Say hello")));
    expect(usage.credits_charged).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(response.headers.get("x-credits-charged")).toBe(String(usage.credits_charged));
    expect(response.headers.get("x-credits-held")).toBe(String(usage.prompt_tokens + 50));
    const requestId = response.headers.get("x-request-id")!;
    expect(data.id).toBe(requestId);
    const receipt = await receiptAfter(t.db, a.accountId, requestId);
    expect(receipt).toMatchObject({ chargedCredits: usage.credits_charged, inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens, cacheHit: false, model: "standard", apiKeyId: a.apiKeyId });
    const after = await balanceAfter(t.db, a.accountId);
    expect(before.availableCredits - after.availableCredits).toBe(usage.credits_charged);
    expect(after.heldCredits).toBe(0);
  });

  it("mock-large: 3 per input token + 9 per output token, rounded up once", async () => {
    const a = await makePayingAccount(t.db, 100_000);
    const data = await a.client.chat.completions.create({ model: "mock-large", messages: user("Explain metering [mock tokens=7]") });
    const u = data.usage!;
    expect(u.completion_tokens).toBe(7);
    expect((u as unknown as { credits_charged: number }).credits_charged).toBe(Math.ceil((u.prompt_tokens * 3000 + 7 * 9000) / 1000));
  });

  it("streamed: chunks carry our id and model; the usage chunk has credits = prompt + completion; receipt agrees", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const stream = await a.client.chat.completions.create({ model: "standard", messages: user("Stream please [mock tokens=30]"), stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage: Record<string, number> | undefined;
    const ids = new Set<string>();
    for await (const chunk of stream) {
      ids.add(chunk.id);
      expect(chunk.model).toBe("standard");
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usage = chunk.usage as unknown as Record<string, number>;
    }
    expect(ids.size).toBe(1);
    const [requestId] = [...ids];
    expect(usage!["completion_tokens"]!).toBe(30);
    expect(countTextTokens(text)).toBe(30);
    expect(usage!["credits_charged"]!).toBe(usage!["prompt_tokens"]! + 30);
    const receipt = await receiptAfter(t.db, a.accountId, requestId!);
    expect(receipt).toMatchObject({ chargedCredits: usage!.credits_charged, status: "succeeded", outputTokens: 30 });
  });

  it("streamed without include_usage: usage with credits rides on the finishing chunk, no empty-choices chunk", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const stream = await a.client.chat.completions.create({ model: "standard", messages: user("No usage asked [mock tokens=5]"), stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => c.choices.length > 0)).toBe(true);
    const last = chunks.at(-1)!;
    expect(last.choices[0]!.finish_reason).toBe("stop");
    expect((last.usage as unknown as { credits_charged: number }).credits_charged).toBe(last.usage!.prompt_tokens + 5);
  });

  it("stream without a usage chunk from the upstream: billed from the streamed text (12 tokens counted)", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const stream = await a.client.chat.completions.create({ model: "standard", messages: user("Count yourself [mock tokens=12 drop_usage]"), stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage: Record<string, number> | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usage = chunk.usage as unknown as Record<string, number>;
    }
    const messages = user("Count yourself [mock tokens=12 drop_usage]");
    expect(usage!.completion_tokens).toBe(countTextTokens(text));
    expect(usage!.completion_tokens).toBe(12);
    expect(usage!.credits_charged).toBe(countPromptTokens(messages) + 12);
  });

  it("non-streaming answer without usage: billed from the counted prompt + counted reply", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const messages = user("No usage [mock tokens=9 drop_usage]");
    const { data, response } = await a.client.chat.completions.create({ model: "standard", messages }).withResponse();
    const expected = countPromptTokens(messages) + countTextTokens(data.choices[0]!.message.content!);
    expect(Number(response.headers.get("x-credits-charged"))).toBe(expected);
  });

  it("retried then succeeded: 2 × 503 then 200 → 3 upstream attempts, billed once for the last one", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const before = await balanceAfter(t.db, a.accountId);
    const calls = mock.stats().chatCompletions;
    const { data, response } = await a.client.chat.completions.create({ model: "standard", messages: user("Flaky [mock fail_first=2 status=503 tokens=4]") }).withResponse();
    expect(mock.stats().chatCompletions - calls).toBe(3);
    expect(response.headers.get("x-upstream-attempts")).toBe("3");
    const charged = Number(response.headers.get("x-credits-charged"));
    expect(charged).toBe(data.usage!.prompt_tokens + 4);
    expect(before.availableCredits - (await balanceAfter(t.db, a.accountId)).availableCredits).toBe(charged);
  });

  it("429 then 200 on a stream: 2 upstream attempts before the first byte, billed once = prompt + the 3 tokens of the last attempt", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const before = await balanceAfter(t.db, a.accountId);
    const calls = mock.stats().chatCompletions;
    const messages = user("Busy [mock fail_first=1 status=429 tokens=3]");
    const { data: stream, response } = await a.client.chat.completions
      .create({ model: "standard", messages, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    let credits = -1;
    for await (const chunk of stream) if (chunk.usage) credits = (chunk.usage as unknown as { credits_charged: number }).credits_charged;
    expect(response.headers.get("x-upstream-attempts")).toBe("2");
    expect(mock.stats().chatCompletions - calls).toBe(2);
    const expected = countPromptTokens(messages) + 3;
    expect(credits).toBe(expected);
    const receipt = await eventually(() => receiptAfter(t.db, a.accountId, response.headers.get("x-request-id")!));
    expect(receipt).toMatchObject({ status: "succeeded", inputTokens: countPromptTokens(messages), outputTokens: 3, chargedCredits: expected });
    await eventually(async () => ((await balanceAfter(t.db, a.accountId)).heldCredits === 0 ? true : null));
    expect(before.availableCredits - (await balanceAfter(t.db, a.accountId)).availableCredits).toBe(expected);
  });

  it("all 3 attempts fail (503) → 502 upstream_error, billed zero, hold released, no receipt", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const before = await balanceAfter(t.db, a.accountId);
    const calls = mock.stats().chatCompletions;
    const err = await a.client.chat.completions.create({ model: "standard", messages: user("Down [mock fail_first=10 status=503]") }).catch((e) => e);
    expect(err).toBeInstanceOf(APIError);
    expect(err.status).toBe(502);
    expect(err.type).toBe("upstream_error");
    expect(mock.stats().chatCompletions - calls).toBe(3);
    const after = await balanceAfter(t.db, a.accountId);
    expect(after.availableCredits).toBe(before.availableCredits);
    expect(after.heldCredits).toBe(0);
    expect(await receiptAfter(t.db, a.accountId, err.requestID)).toBeNull();
  });

  it("a hung upstream times out per attempt and is retried; all time out → 502, billed zero", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    process.env.GATEWAY_ATTEMPT_TIMEOUT_MS = "100";
    const { resetGatewayConfigForTests } = await import("@/lib/config/gateway");
    resetGatewayConfigForTests();
    try {
      const before = await balanceAfter(t.db, a.accountId);
      const err = await a.client.chat.completions.create({ model: "standard", messages: user("Hang [mock hang]") }).catch((e) => e);
      expect(err.status).toBe(502);
      expect((await balanceAfter(t.db, a.accountId)).availableCredits).toBe(before.availableCredits);
    } finally {
      process.env.GATEWAY_ATTEMPT_TIMEOUT_MS = "5000";
      resetGatewayConfigForTests();
    }
  });

  it("client aborts mid-stream after 5 of 200 tokens → upstream stopped, billed prompt + the tokens generated, status partial", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const messages = user("Long answer [mock tokens=200 slow_ms=15]");
    const controller = new AbortController();
    const { data: stream, response } = await a.client.chat.completions
      .create({ model: "standard", messages, stream: true, stream_options: { include_usage: true } }, { signal: controller.signal })
      .withResponse();
    const requestId = response.headers.get("x-request-id")!;
    let text = "";
    let received = 0;
    await expect(
      (async () => {
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta?.content ?? "";
          if (++received === 6) controller.abort();
        }
      })(),
    ).rejects.toThrow();
    const receipt = await eventually(() => receiptAfter(t.db, a.accountId, requestId));
    expect(receipt.status).toBe("partial");
    expect(receipt.outputTokens).toBeGreaterThanOrEqual(countTextTokens(text));
    expect(receipt.outputTokens).toBeLessThan(30);
    expect(receipt.chargedCredits).toBe(countPromptTokens(messages) + receipt.outputTokens);
    expect((await balanceAfter(t.db, a.accountId)).heldCredits).toBe(0);
  });

  it("upstream cuts the stream after 4 chunks → error event to the client, billed for the 4 tokens delivered (partial)", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const messages = user("Cut [mock tokens=50 cut_after=4]");
    const { data: stream, response } = await a.client.chat.completions.create({ model: "standard", messages, stream: true }).withResponse();
    let text = "";
    const err = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    })().catch((e) => e);
    expect(err).toBeInstanceOf(APIError);
    expect(countTextTokens(text)).toBe(4);
    const receipt = await eventually(() => receiptAfter(t.db, a.accountId, response.headers.get("x-request-id")!));
    expect(receipt).toMatchObject({ status: "partial", outputTokens: 4, chargedCredits: countPromptTokens(messages) + 4 });
  });
  it("provider rejects the request (400) → 400 to the client with its message, not retried, billed zero", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const before = await balanceAfter(t.db, a.accountId);
    const calls = mock.stats().chatCompletions;
    const err = await a.client.chat.completions.create({ model: "standard", messages: user("Bad [mock no_such_directive]") }).catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/model provider rejected the request: .*unknown mock directive/);
    expect(mock.stats().chatCompletions - calls).toBe(1);
    expect((await balanceAfter(t.db, a.accountId)).availableCredits).toBe(before.availableCredits);
  });

  it("client aborts a slow non-streaming call (300 ms) after 50 ms → upstream abandoned, hold released, billed zero", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const before = await balanceAfter(t.db, a.accountId);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await a.client.chat.completions.create({ model: "standard", messages: user("Slow [mock slow_ms=300 tokens=5]") }, { signal: controller.signal }).catch((e) => e);
    expect(err).toBeInstanceOf(APIUserAbortError);
    const after = await eventually(async () => {
      const b = await balanceAfter(t.db, a.accountId);
      return b.heldCredits === 0 ? b : null;
    });
    expect(after.availableCredits).toBe(before.availableCredits);
  });

  it("upstream goes silent mid-stream longer than the idle timeout (100 ms) → cut, billed for what was delivered, error event", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    process.env.GATEWAY_STREAM_IDLE_TIMEOUT_MS = "100";
    const { resetGatewayConfigForTests } = await import("@/lib/config/gateway");
    resetGatewayConfigForTests();
    try {
      const messages = user("Stalls [mock tokens=5 slow_ms=400]");
      const { data: stream, response } = await a.client.chat.completions.create({ model: "standard", messages, stream: true }).withResponse();
      const err = await (async () => {
        for await (const chunk of stream) void chunk;
      })().catch((e) => e);
      expect(err).toBeInstanceOf(APIError);
      expect(err.message).toMatch(/sent nothing for 100 ms/);
      const receipt = await eventually(() => receiptAfter(t.db, a.accountId, response.headers.get("x-request-id")!));
      expect(receipt).toMatchObject({ status: "partial", outputTokens: 0, chargedCredits: countPromptTokens(messages) });
    } finally {
      process.env.GATEWAY_STREAM_IDLE_TIMEOUT_MS = "60000";
      resetGatewayConfigForTests();
    }
  });
});
