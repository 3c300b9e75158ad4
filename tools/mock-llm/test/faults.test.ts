import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, countTokens, type MockLlm } from "../index";
import { clientFor, collectStream, userMessage } from "./helpers";

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
});
afterAll(async () => {
  await mock.close();
});

function attemptCounts(): number[] {
  return Object.values(mock.stats().attemptsByFingerprint);
}

describe("fail_first", () => {
  it("fails the first N identical attempts with 503 in OpenAI's error shape (no client retries)", async () => {
    const client = clientFor(mock.url, { maxRetries: 0 });
    const messages = userMessage("flaky upstream [mock fail_first=2]");
    for (let attempt = 1; attempt <= 2; attempt++) {
      const error = await client.chat.completions.create({ model: "mock-small", messages }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
      expect((error as InstanceType<typeof OpenAI.APIError>).type).toBe("server_error");
    }
    const third = await client.chat.completions.create({ model: "mock-small", messages });
    expect(third.choices[0]?.finish_reason).toBe("stop");
  });

  it("succeeds through the client's own retries, honouring retry-after-ms", async () => {
    const client = clientFor(mock.url, { maxRetries: 3 });
    mock.reset();
    const started = performance.now();
    const completion = await client.chat.completions.create({
      model: "mock-small",
      messages: userMessage("retry me [mock fail_first=3 status=429 retry_after_ms=20]"),
    });
    expect(completion.choices[0]?.message.content).toBeTruthy();
    expect(attemptCounts()).toEqual([4]);
    // retry-after-ms=20 replaces the SDK's 0.5 s+ exponential backoff.
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("succeeds through the client's default exponential backoff", async () => {
    const client = clientFor(mock.url, { maxRetries: 2 });
    const completion = await client.chat.completions.create({
      model: "mock-small",
      messages: userMessage("default backoff [mock fail_first=1]"),
    });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
  });

  it("gives up when retries are fewer than the injected failures", async () => {
    const client = clientFor(mock.url, { maxRetries: 1 });
    const error = await client.chat.completions
      .create({ model: "mock-small", messages: userMessage("too flaky [mock fail_first=5 status=500 retry_after_ms=1]") })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
  });

  it("works from x-mock-* headers and counts them into the fingerprint", async () => {
    const client = clientFor(mock.url, { maxRetries: 0 });
    const messages = userMessage("header driven");
    const headers = { "x-mock-fail-first": "1", "x-mock-status": "429" };
    const error = await client.chat.completions.create({ model: "mock-small", messages }, { headers }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    // Same body without the headers: a different fingerprint and no fault.
    await expect(client.chat.completions.create({ model: "mock-small", messages })).resolves.toBeTruthy();
    await expect(client.chat.completions.create({ model: "mock-small", messages }, { headers })).resolves.toBeTruthy();
  });

  it("forgets attempts after the fingerprint TTL", async () => {
    const shortMemory = await startMockLlm({ fingerprintTtlMs: 150 });
    try {
      const client = clientFor(shortMemory.url, { maxRetries: 0 });
      const request = { model: "mock-small", messages: userMessage("[mock fail_first=1] expiring") };
      await expect(client.chat.completions.create(request)).rejects.toThrow();
      await expect(client.chat.completions.create(request)).resolves.toBeTruthy();
      await new Promise((resolve) => setTimeout(resolve, 250));
      await expect(client.chat.completions.create(request)).rejects.toThrow();
    } finally {
      await shortMemory.close();
    }
  });

  it("reads directives only from the last user message", async () => {
    const client = clientFor(mock.url, { maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: "mock-small",
      messages: [
        { role: "system", content: "[mock fail_first=9]" },
        { role: "user", content: "[mock fail_first=9] earlier turn" },
        { role: "assistant", content: "ok" },
        { role: "user", content: "the last turn has no directive" },
      ],
    });
    expect(completion.choices).toHaveLength(1);
  });
});

describe("tokens, drop_usage, cut_after", () => {
  it("tokens=N forces exactly N completion tokens; the directive counts as prompt text", async () => {
    const content = "long answer [mock tokens=250]";
    const completion = await clientFor(mock.url).chat.completions.create({ model: "mock-small", messages: userMessage(content) });
    expect(completion.usage?.completion_tokens).toBe(250);
    expect(countTokens(completion.choices[0]?.message.content ?? "")).toBe(250);
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage?.prompt_tokens).toBe(3 + 1 + countTokens(content) + 3);
  });

  it("tokens=N is still capped by max_tokens", async () => {
    const completion = await clientFor(mock.url).chat.completions.create({
      model: "mock-small",
      messages: userMessage("[mock tokens=250]"),
      max_tokens: 10,
    });
    expect(completion.usage?.completion_tokens).toBe(10);
    expect(completion.choices[0]?.finish_reason).toBe("length");
  });

  it("drop_usage removes usage from JSON answers", async () => {
    const completion = await clientFor(mock.url).chat.completions.create({
      model: "mock-small",
      messages: userMessage("[mock drop_usage]"),
    });
    expect(completion.choices[0]?.message.content).toBeTruthy();
    expect(completion.usage).toBeUndefined();
  });

  it("drop_usage removes the usage chunk from streams even with include_usage", async () => {
    const stream = await clientFor(mock.url).chat.completions.create({
      model: "mock-small",
      messages: userMessage("[mock drop_usage]"),
      stream: true,
      stream_options: { include_usage: true },
    });
    const { chunks, text } = await collectStream(stream);
    expect(text.length).toBeGreaterThan(0);
    expect(chunks.every((chunk) => chunk.usage == null && chunk.choices.length === 1)).toBe(true);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("cut_after=N streams N content chunks then kills the connection without [DONE]", async () => {
    const stream = await clientFor(mock.url).chat.completions.create({
      model: "mock-small",
      messages: userMessage("[mock cut_after=3]"),
      stream: true,
      stream_options: { include_usage: true },
    });
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? "");
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(received.filter((text) => text !== "")).toHaveLength(3);
  });

  it.each([
    [0, 0],
    [0, 20],
    [2, 20],
  ])("cut_after=%i with slow_ms=%i delivers exactly that many chunks, then cuts", async (cutAfter, slowMs) => {
    const stream = await clientFor(mock.url).chat.completions.create({
      model: "mock-small",
      messages: userMessage(`[mock cut_after=${cutAfter} slow_ms=${slowMs}]`),
      stream: true,
    });
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? "");
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(received.filter((text) => text !== "")).toHaveLength(cutAfter);
  });

  it("cut_after on a non-streaming request fails the client", async () => {
    const error = await clientFor(mock.url)
      .chat.completions.create({ model: "mock-small", messages: userMessage("[mock cut_after=1]") })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
  });
});

describe("slow_ms and hang", () => {
  it("slow_ms delays a non-streaming answer", async () => {
    const started = performance.now();
    await clientFor(mock.url).chat.completions.create({ model: "mock-small", messages: userMessage("[mock slow_ms=300]") });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("slow_ms spaces stream chunks apart", async () => {
    const started = performance.now();
    const stream = await clientFor(mock.url).chat.completions.create({
      model: "mock-small",
      messages: userMessage("[mock slow_ms=60 tokens=4]"),
      stream: true,
    });
    const { arrivalsMs, text } = await collectStream(stream);
    expect(countTokens(text)).toBe(4);
    // 4 content chunks + finish, each after a 60 ms pause.
    expect(performance.now() - started).toBeGreaterThanOrEqual(5 * 60 - 10);
    const gaps = arrivalsMs.slice(1).map((at, i) => at - (arrivalsMs[i] ?? at));
    // Median rather than min: a client-side stall can bunch two arrivals on a busy machine.
    const medianGap = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? 0;
    expect(medianGap).toBeGreaterThanOrEqual(40);
  });

  it("hang never answers, so a client timeout fires", async () => {
    const client = clientFor(mock.url, { maxRetries: 0, timeout: 300 });
    const started = performance.now();
    const error = await client.chat.completions
      .create({ model: "mock-small", messages: userMessage("[mock hang]") })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("hang via header, and close() still shuts down with the request pending", async () => {
    const own = await startMockLlm();
    const pending = fetch(`${own.url}/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer x", "content-type": "application/json", "x-mock-hang": "1" },
      body: JSON.stringify({ model: "m", messages: userMessage("hi") }),
    }).then(
      () => "answered",
      () => "failed",
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await own.close();
    expect(await pending).toBe("failed");
  });
});
