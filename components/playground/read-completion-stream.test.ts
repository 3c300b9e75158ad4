import { describe, expect, it } from "vitest";
import { readCompletionStream } from "./read-completion-stream";

const streamOf = (parts: string[]) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (const p of parts) c.enqueue(new TextEncoder().encode(p));
      c.close();
    },
  });

describe("readCompletionStream (playground)", () => {
  it("deltas 'Hel' + 'lo' split across reads → text 'Hello', request id, usage with 7 credits", async () => {
    let text = "";
    const result = await readCompletionStream(
      streamOf([
        'data: {"id":"req_1","choices":[{"delta":{"content":"Hel"}}]}\n\ndata: {"id":"req_1","choices":[{"delta":{"con',
        'tent":"lo"}}]}\n\ndata: {"id":"req_1","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"credits_charged":7}}\n\ndata: [DONE]\n\n',
      ]),
      (t) => (text += t),
    );
    expect(text).toBe("Hello");
    expect(result).toEqual({ requestId: "req_1", usage: { prompt_tokens: 5, completion_tokens: 2, credits_charged: 7 } });
  });

  it("an error event mid-stream is thrown with its message", async () => {
    await expect(readCompletionStream(streamOf(['data: {"choices":[{"delta":{"content":"a"}}]}\n\ndata: {"error":{"message":"provider failed"}}\n\n']), () => {})).rejects.toThrow("provider failed");
  });
});
