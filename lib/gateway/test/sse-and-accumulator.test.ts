import { describe, expect, it } from "vitest";
import { readSseBatches, StreamIdleTimeoutError } from "../upstream/sse";
import { StreamAccumulator } from "../stream-accumulator";
import { countTextTokens } from "../tokens";

function streamOf(parts: string[], delayMs = 0): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    async start(c) {
      for (const p of parts) {
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        c.enqueue(enc.encode(p));
      }
      c.close();
    },
  });
}

async function collect(s: ReadableStream<Uint8Array>, idle = 1000) {
  const out: string[] = [];
  // onIdle cancels the source, as the gateway aborts the upstream request.
  const reader = s.getReader();
  const source = { async *[Symbol.asyncIterator]() { for (;;) { const { done, value } = await reader.read(); if (done) return; yield value; } } };
  for await (const batch of readSseBatches(source, idle, (e) => void reader.cancel(e).catch(() => {}))) out.push(...batch);
  return out;
}

describe("readSseData", () => {
  it("events split across reads, CRLF line ends, comments and multi-line data → 3 payloads", async () => {
    const out = await collect(streamOf(['data: {"a":', '1}\r\n\r\n: keep-alive\n\ndata: x\ndata: y\n\n', "data: [DONE]\n\n"]));
    expect(out).toEqual(['{"a":1}', "x\ny", "[DONE]"]);
  });

  it("a final event without its blank line is still delivered", async () => {
    expect(await collect(streamOf(["data: last"]))).toEqual(["last"]);
  });

  it("a consumer that stops after the first batch: the source is closed and the idle timer never fires", async () => {
    const enc = new TextEncoder();
    let returned = false;
    let idled = false;
    let reads = 0;
    const source: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => (reads++ < 3 ? { done: false, value: enc.encode(`data: ${reads}\n\n`) } : { done: true, value: undefined }),
        return: async () => {
          returned = true;
          return { done: true, value: undefined };
        },
      }),
    };
    const seen: string[][] = [];
    for await (const batch of readSseBatches(source, 20, () => (idled = true))) {
      seen.push(batch);
      break;
    }
    expect(seen).toEqual([["1"]]);
    expect(returned).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(idled).toBe(false);
    expect(reads).toBe(1);
  });

  it("silence longer than the idle timeout (50 ms > 20 ms) throws StreamIdleTimeoutError", async () => {
    await expect(collect(streamOf(["data: 1\n\n", "data: 2\n\n"], 50), 20)).rejects.toBeInstanceOf(StreamIdleTimeoutError);
  });
});

describe("StreamAccumulator", () => {
  it("two choices, content in pieces: finished only when both have a finish reason", () => {
    const acc = new StreamAccumulator();
    acc.add([{ index: 0, delta: { role: "assistant", content: "Hel" } }, { index: 1, delta: { content: "Bye" } }]);
    acc.add([{ index: 0, delta: { content: "lo" }, finish_reason: "stop" }]);
    expect(acc.finished).toBe(false);
    acc.add([{ index: 1, delta: {}, finish_reason: "length" }]);
    expect(acc.finished).toBe(true);
    expect(acc.toChoices().map((c) => (c.message as { content: string }).content)).toEqual(["Hello", "Bye"]);
  });

  it("counts output tokens of text + tool-call arguments as delivered", () => {
    const acc = new StreamAccumulator();
    acc.add([{ index: 0, delta: { content: "The answer is 42." } }]);
    acc.add([{ index: 0, delta: { tool_calls: [{ index: 0, id: "c1", function: { name: "lookup", arguments: '{"q":' } }] } }]);
    acc.add([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"x"}' } }] }, finish_reason: "tool_calls" }]);
    expect(acc.countOutputTokens()).toBe(countTextTokens("The answer is 42.") + countTextTokens("lookup") + countTextTokens('{"q":"x"}'));
    const [choice] = acc.toChoices();
    expect((choice!.message as { tool_calls: { function: { arguments: string } }[] }).tool_calls[0]!.function.arguments).toBe('{"q":"x"}');
  });
});
