import { afterEach, describe, expect, it, vi } from "vitest";
import { chunkForwarder, restamp } from "../stream-chunk";

const ID = "req_01JXYZ";
const MODEL = "standard";

/** What the gateway sent before splicing: the chunk parsed, restamped and re-serialised. */
const reserialised = (data: string) => {
  const chunk = JSON.parse(data) as Record<string, unknown>;
  restamp(chunk, ID, MODEL);
  return JSON.stringify(chunk);
};
const forward = chunkForwarder(ID, MODEL);
const forwarded = (data: string) => forward(data, JSON.parse(data) as Record<string, unknown>);

// OpenAI's compact shape, as the mock LLM (tools/mock-llm/responses.ts) and vLLM write it.
const compact = (choice: string, tail = `,"usage":null`) =>
  `{"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1764500000,"model":"gpt-4o-mini","service_tier":"default","system_fingerprint":"fp_1","choices":[${choice}]${tail}}`;

afterEach(() => vi.restoreAllMocks());

describe("chunkForwarder: the provider's chunk with our id and model, without usage", () => {
  const spliceable: [string, string][] = [
    ["content, usage: null (include_usage on)", compact(`{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}`)],
    ["no usage key at all (include_usage off)", compact(`{"index":0,"delta":{"content":"Hi"},"finish_reason":null}`, "")],
    ["content that quotes the keys it must not touch", compact(`{"index":0,"delta":{"content":"{\\"id\\":\\"chatcmpl-abc\\",\\"model\\":\\"gpt-4o-mini\\",\\"usage\\":null}"},"finish_reason":null}`)],
    ["a tool call with an id of its own", compact(`{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"{\\"model\\":1}"}}]},"finish_reason":null}`)],
    ["unicode and escapes", compact(`{"index":0,"delta":{"content":"naïve — \\"quoted\\" \\\\ \\n ✓"},"finish_reason":null}`)],
  ];
  for (const [name, data] of spliceable) {
    it(`${name}: spliced, byte for byte what re-serialising gives, the chunk never re-serialised`, () => {
      const expected = reserialised(data);
      const stringify = vi.spyOn(JSON, "stringify");
      const out = forwarded(data);
      expect(out).toBe(expected);
      expect(stringify.mock.calls.some(([value]) => typeof value === "object" && value !== null)).toBe(false);
      const parsed = JSON.parse(out) as Record<string, unknown>;
      expect(parsed).toMatchObject({ id: ID, model: MODEL });
      expect("usage" in parsed).toBe(false);
    });
  }

  const other: [string, string][] = [
    ["pretty-printed JSON", JSON.stringify(JSON.parse(compact(`{"index":0,"delta":{"content":"x"},"finish_reason":null}`)), null, 1)],
    ["the id not first", `{"object":"chat.completion.chunk","id":"chatcmpl-abc","model":"m","choices":[{"index":0,"delta":{"content":"x"}}]}`],
    ["usage with numbers on a chunk that has choices", compact(`{"index":0,"delta":{},"finish_reason":"stop"}`, `,"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}`)],
    ["the model pair twice", `{"id":"c","model":"m","choices":[{"index":0,"delta":{"content":"x"},"model":"m"}]}`],
    ["a non-string id", `{"id":7,"model":"m","choices":[{"index":0,"delta":{"content":"x"}}]}`],
    ["the model after the choices", `{"id":"c","choices":[{"index":0,"delta":{"content":"x"}}],"model":"m"}`],
    ["usage: null not last", `{"id":"c","model":"m","usage":null,"choices":[{"index":0,"delta":{"content":"x"}}]}`],
  ];
  for (const [name, data] of other) {
    it(`${name}: re-serialised, same result as before`, () => {
      const out = forwarded(data);
      expect(out).toBe(reserialised(data));
      const parsed = JSON.parse(out) as Record<string, unknown>;
      expect(parsed).toMatchObject({ id: ID, model: MODEL });
      expect("usage" in parsed).toBe(false);
    });
  }
});
