import { describe, expect, it } from "vitest";
import { NodeBackedRequest } from "../node-request";

const make = (body: string | null, headers: Record<string, string | string[]> = {}) =>
  new NodeBackedRequest("POST", "http://x.test/api/v1/chat/completions", headers, body === null ? null : Buffer.from(body), new AbortController().signal);

describe("NodeBackedRequest (what the gateway handlers read of a Request, from node's request)", () => {
  it("headers: case-insensitive get, null when absent, repeated values joined like fetch, iteration sorted", () => {
    const r = make("{}", { authorization: "Bearer k", "x-action": "summarize", "x-multi": ["a", "b"] });
    expect(r.headers.get("Authorization")).toBe("Bearer k");
    expect(r.headers.get("idempotency-key")).toBeNull();
    expect(r.headers.has("X-ACTION")).toBe(true);
    expect(r.headers.get("x-multi")).toBe("a, b");
    expect([...r.headers].map(([k]) => k)).toEqual(["authorization", "x-action", "x-multi"]);
  });

  it("body: json() parses, a second read throws like fetch's, bad JSON rejects (the handler answers 400)", async () => {
    const r = make('{"model":"standard"}');
    expect(r.bodyUsed).toBe(false);
    expect(await r.json()).toEqual({ model: "standard" });
    expect(r.bodyUsed).toBe(true);
    await expect(r.text()).rejects.toThrow(TypeError);
    await expect(make("{nope").json()).rejects.toThrow(SyntaxError);
    expect(await make(null).text()).toBe("");
  });
});
