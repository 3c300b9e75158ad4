import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../mock-llm";
import { createFetchClient, createNodeHttpClient, HttpStatusError, IncompleteStreamError, SseReader, type BenchHttpClient, type HttpClientOptions } from "../index";

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm();
});
afterAll(async () => {
  await mock.close();
});

const body = (content: string, stream = false) => ({
  model: "mock-small",
  messages: [{ role: "user", content }],
  ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
});

describe("SseReader", () => {
  it("handles events split across chunks, CRLF, and [DONE]", () => {
    const reader = new SseReader();
    for (const piece of ['data: {"a":1}\n', "\ndata: {\"b\"", ":2}\r\n\r\n: comment\n\ndata: [DONE]\n\n"]) reader.feed(piece);
    expect(reader.events).toBe(3);
    expect(reader.done).toBe(true);
    expect(reader.lastData).toBe('{"b":2}');
  });
});

type ClientFactory = (options: HttpClientOptions) => BenchHttpClient;
const transports: Array<[string, ClientFactory]> = [
  ["node:http", createNodeHttpClient],
  ["fetch", createFetchClient],
];

describe.each(transports)("%s client against the mock", (name, create) => {
  const client = create({ headers: { authorization: "Bearer k" }, timeoutMs: 300 });
  afterAll(() => client.close());

  it("posts JSON and parses the answer", async () => {
    const response = await client.postJson(`${mock.url}/chat/completions`, body("hello"));
    expect(response.status).toBe(200);
    expect((response.body as { object: string }).object).toBe("chat.completion");
    expect(response.ms).toBeGreaterThan(0);
  });

  it("consumes an SSE stream to [DONE] and keeps the usage chunk", async () => {
    const response = await client.postSse(`${mock.url}/chat/completions`, body("[mock tokens=10]", true));
    // role chunk + 10 content + finish + usage + [DONE]
    expect(response.events).toBe(14);
    expect(response.done).toBe(true);
    const usage = (JSON.parse(response.lastData ?? "{}") as { usage: { completion_tokens: number } }).usage;
    expect(usage.completion_tokens).toBe(10);
    expect(response.firstEventMs).toBeLessThanOrEqual(response.ms);
  });

  it("throws HttpStatusError on a non-2xx answer", async () => {
    const error = await client.postJson(`${mock.url}/chat/completions`, body(`[mock fail_first=1 status=429] ${name}`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect((error as HttpStatusError).status).toBe(429);
  });

  it("rejects a stream cut before [DONE]", async () => {
    await expect(client.postSse(`${mock.url}/chat/completions`, body(`[mock cut_after=2] ${name}`, true))).rejects.toThrow();
  });

  it("rejects when the server never answers within timeoutMs", async () => {
    const started = performance.now();
    await expect(client.postJson(`${mock.url}/chat/completions`, body("[mock hang]"))).rejects.toThrow();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("rejects when a stream trickles past timeoutMs", async () => {
    await expect(client.postSse(`${mock.url}/chat/completions`, body(`[mock slow_ms=100 tokens=10] ${name}`, true))).rejects.toThrow();
  });
});

it("IncompleteStreamError is what the node client reports for a cut stream", async () => {
  const client = createNodeHttpClient({ headers: { authorization: "Bearer k" } });
  const error = await client.postSse(`${mock.url}/chat/completions`, body("[mock cut_after=2] again", true)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(IncompleteStreamError);
  client.close();
});
