import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { startMockLlm, type MockLlm } from "@/tools/mock-llm";
import { callUpstreamJson, ClientAbortedError, openUpstreamStream } from "../upstream/call";
import type { Upstream } from "../upstream/resolve";

/**
 * The upstream call's own cancellation, against the real mock LLM: each attempt is destroyed by its
 * timeout or when the client leaves (no AbortSignal per attempt, see upstream/transport.ts), a
 * timed-out attempt is retried, a client that left is not, and an opened stream stops on abort().
 */
let mock: MockLlm;
let upstream: Upstream;
const policy = { attempts: 2, baseDelayMs: 5, maxDelayMs: 10, attemptTimeoutMs: 150 };

beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
  upstream = { name: "default", baseUrl: mock.url, apiKey: "test" };
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

const body = (directive: string, extra: Record<string, unknown> = {}) => ({
  model: "mock-small",
  messages: [{ role: "user", content: `Upstream call ${Math.random()} ${directive}` }],
  max_tokens: 50,
  ...extra,
});

describe("upstream call: timeouts, client aborts, stream aborts", () => {
  it("an upstream that never answers: each attempt is cut at its timeout and retried, then 502", async () => {
    const started = performance.now();
    const error = await callUpstreamJson({ upstream, body: body("[mock hang]"), signal: new AbortController().signal, policy }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("upstream_failed");
    expect(mock.stats().chatCompletions).toBe(2);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("a slow but timely answer is not cut: one attempt, the whole body", async () => {
    const { json, attempts } = await callUpstreamJson({ upstream, body: body("[mock slow_ms=30 tokens=7]"), signal: new AbortController().signal, policy });
    expect(attempts).toBe(1);
    expect((json.usage as { completion_tokens: number }).completion_tokens).toBe(7);
    expect(mock.stats().chatCompletions).toBe(1);
  });

  it("the client leaving mid-attempt stops the call at once and does not retry", async () => {
    const client = new AbortController();
    setTimeout(() => client.abort(), 40);
    const started = performance.now();
    const error = await callUpstreamJson({ upstream, body: body("[mock hang]"), signal: client.signal, policy: { ...policy, attemptTimeoutMs: 10_000 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientAbortedError);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(mock.stats().chatCompletions).toBe(1);
  });

  it("an opened stream keeps going past the attempt timeout, and abort() ends it", async () => {
    const client = new AbortController();
    const opened = await openUpstreamStream({
      upstream,
      body: body("[mock slow_ms=60 tokens=40]", { stream: true }),
      signal: client.signal,
      policy,
    });
    let reads = 0;
    const started = performance.now();
    const reading = (async () => {
      for await (const chunk of opened.chunks) {
        reads += chunk.length > 0 ? 1 : 0;
        // 4 reads at 60 ms apart outlast the 150 ms attempt timeout: the body is not cut by it.
        if (reads === 4) opened.abort();
      }
    })().catch((e: unknown) => e);
    const ended = await reading;
    expect(reads).toBe(4);
    expect(ended).toBeInstanceOf(Error);
    expect(performance.now() - started).toBeLessThan(2_000); // 40 tokens at 60 ms would take 2.4 s
  });

  it("an opened stream stops when its client leaves", async () => {
    const client = new AbortController();
    const opened = await openUpstreamStream({ upstream, body: body("[mock slow_ms=60 tokens=40]", { stream: true }), signal: client.signal, policy });
    setTimeout(() => client.abort(), 100);
    const started = performance.now();
    const ended = await (async () => {
      for await (const _ of opened.chunks) void _;
    })().catch((e: unknown) => e);
    expect(ended).toBeInstanceOf(Error);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
