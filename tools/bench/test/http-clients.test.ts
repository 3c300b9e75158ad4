import { afterAll, beforeAll, describe, expect, it } from "vitest";
import net from "node:net";
import { startMockLlm, type MockLlm } from "../../mock-llm";
import { createRawHttpClient } from "../raw-http-client";
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

  it("result(): the response once the body ended, or IncompleteStreamError without [DONE]", () => {
    const cut = new SseReader();
    cut.feed('data: {"a":1}\n\n');
    expect(() => cut.result(200, 0)).toThrow(IncompleteStreamError);
    const whole = new SseReader();
    whole.feed('data: {"a":1}\n\ndata: [DONE]\n\n');
    expect(whole.result(200, performance.now() - 5)).toMatchObject({ status: 200, events: 2, done: true, lastData: '{"a":1}' });
  });
});

type ClientFactory = (options: HttpClientOptions) => BenchHttpClient;
const transports: Array<[string, ClientFactory]> = [
  ["node:http", createNodeHttpClient],
  ["fetch", createFetchClient],
  ["raw", createRawHttpClient],
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

  it("rejects at once when its signal aborts mid-stream", async () => {
    const abort = new AbortController();
    const pending = client.postSse(`${mock.url}/chat/completions`, body(`[mock slow_ms=50 tokens=10] ${name}`, true), { signal: abort.signal });
    setTimeout(() => abort.abort(new Error("stop")), 20);
    const started = performance.now();
    await expect(pending).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(250);
  });
});

describe("raw client", () => {
  /** A server that answers each request with `reply`'s pieces, a few ms apart, then ends the connection if `end`. */
  async function rawServer(reply: (n: number) => { pieces: Buffer[]; end?: boolean }) {
    let connections = 0;
    let requests = 0;
    const heads: string[] = [];
    const server = net.createServer((socket) => {
      connections++;
      socket.on("data", (data) => {
        if (!data.includes("\r\n\r\n")) return;
        heads.push(data.toString("latin1").split("\r\n\r\n")[0]!);
        const { pieces, end } = reply(++requests);
        pieces.forEach((piece, i) => setTimeout(() => socket.write(piece), i * 5));
        if (end) setTimeout(() => socket.end(), pieces.length * 5);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/x`;
    return { url, heads, connections: () => connections, close: () => new Promise((resolve) => server.close(resolve)) };
  }

  it("reuses one keep-alive connection for sequential requests, across split chunked bodies and UTF-8", async () => {
    const sse = Buffer.from('data: {"t":"é"}\n\ndata: [DONE]\n\n');
    const cut = sse.indexOf("é") + 1; // inside the two-byte é
    const server = await rawServer(() => ({
      pieces: [
        Buffer.from(`HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n${sse.length.toString(16)}\r\n`),
        sse.subarray(0, cut),
        Buffer.concat([sse.subarray(cut), Buffer.from("\r\n0\r\n\r\n")]),
      ],
    }));
    const client = createRawHttpClient();
    try {
      for (let i = 0; i < 3; i++) {
        const r = await client.postSse(server.url, { i });
        expect(r.events).toBe(2);
        expect(JSON.parse(r.lastData ?? "{}")).toEqual({ t: "é" });
      }
      expect(server.connections()).toBe(1);
    } finally {
      client.close();
      await server.close();
    }
  });

  it("sends each header once, a request's own overriding the client's", async () => {
    const server = await rawServer(() => ({ pieces: [Buffer.from("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")] }));
    const client = createRawHttpClient({ headers: { authorization: "Bearer client", "x-client": "1" } });
    try {
      await client.postJson(server.url, { a: 1 }, { headers: { Authorization: "Bearer request" } });
      await client.postJson(server.url, { a: 1 });
      const [first, second] = server.heads.map((h) => h.toLowerCase().split("\r\n"));
      expect(first!.filter((l) => l.startsWith("authorization:"))).toEqual(["authorization: bearer request"]);
      expect(first).toContain("x-client: 1");
      expect(first).toContain("content-length: 7");
      expect(second!.filter((l) => l.startsWith("authorization:"))).toEqual(["authorization: bearer client"]);
    } finally {
      client.close();
      await server.close();
    }
  });

  it("reads a body framed by the connection's close, then opens a new connection", async () => {
    const server = await rawServer((n) => ({ pieces: [Buffer.from('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n{"n":'), Buffer.from(`${n}}`)], end: true }));
    const client = createRawHttpClient();
    try {
      expect((await client.postJson(server.url, {})).body).toEqual({ n: 1 });
      expect((await client.postJson(server.url, {})).body).toEqual({ n: 2 });
      expect(server.connections()).toBe(2);
    } finally {
      client.close();
      await server.close();
    }
  });

  it("rejects a keep-alive response the server cuts short", async () => {
    const server = await rawServer(() => ({ pieces: [Buffer.from("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n{}")], end: true }));
    const client = createRawHttpClient();
    try {
      await expect(client.postJson(server.url, {})).rejects.toBeInstanceOf(IncompleteStreamError);
    } finally {
      client.close();
      await server.close();
    }
  });
});

it("IncompleteStreamError is what the node client reports for a cut stream", async () => {
  const client = createNodeHttpClient({ headers: { authorization: "Bearer k" } });
  const error = await client.postSse(`${mock.url}/chat/completions`, body("[mock cut_after=2] again", true)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(IncompleteStreamError);
  client.close();
});
