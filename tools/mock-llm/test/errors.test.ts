import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../index";
import { clientFor } from "./helpers";

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm();
});
afterAll(async () => {
  await mock.close();
});

async function post(path: string, body: string, headers: Record<string, string> = { authorization: "Bearer k" }) {
  const response = await fetch(`${mock.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  return { status: response.status, json: (await response.json()) as { error?: { message: string; type: string; param: string | null; code: string | null } } };
}

const validBody = JSON.stringify({ model: "mock-small", messages: [{ role: "user", content: "hi" }] });

describe("errors", () => {
  it("401s without a bearer token, in OpenAI's error shape", async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: "Basic abc" }, { authorization: "Bearer " }];
    for (const headers of attempts) {
      const { status, json } = await post("/chat/completions", validBody, headers);
      expect(status).toBe(401);
      expect(json.error).toMatchObject({ type: "invalid_request_error", param: null, code: null });
      expect(json.error?.message).toMatch(/API key/);
    }
    const models = await fetch(`${mock.url}/models`);
    expect(models.status).toBe(401);
  });

  it("400s on a body that is not JSON", async () => {
    const { status, json } = await post("/chat/completions", "{not json");
    expect(status).toBe(400);
    expect(json.error?.type).toBe("invalid_request_error");
    expect(json.error?.message).toMatch(/could not parse the JSON body/);
  });

  it("400s on missing or invalid fields, naming the param", async () => {
    const noMessages = await post("/chat/completions", JSON.stringify({ model: "m" }));
    expect(noMessages.status).toBe(400);
    expect(noMessages.json.error?.param).toBe("messages");

    const badRole = await post("/chat/completions", JSON.stringify({ model: "m", messages: [{ role: "robot", content: "x" }] }));
    expect(badRole.status).toBe(400);
    expect(badRole.json.error?.param).toBe("messages.0.role");

    const badMax = await post("/chat/completions", JSON.stringify({ model: "m", max_tokens: 0, messages: [{ role: "user", content: "x" }] }));
    expect(badMax.status).toBe(400);
    expect(badMax.json.error?.param).toBe("max_tokens");
  });

  it("surfaces as BadRequestError in the official client", async () => {
    const error = await clientFor(mock.url)
      .chat.completions.create({ model: "mock-small", messages: [] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it("400s on an unknown or malformed mock directive, so typos fail loudly", async () => {
    const unknown = await post("/chat/completions", JSON.stringify({ model: "m", messages: [{ role: "user", content: "[mock fial_first=2]" }] }));
    expect(unknown.status).toBe(400);
    expect(unknown.json.error?.message).toMatch(/unknown mock directive "fial_first"/);
    const badValue = await post("/chat/completions", validBody, { authorization: "Bearer k", "x-mock-slow-ms": "soon" });
    expect(badValue.status).toBe(400);
  });

  it("404s unknown routes in OpenAI's shape", async () => {
    const { status, json } = await post("/embeddings", validBody);
    expect(status).toBe(404);
    expect(json.error?.message).toBe("Invalid URL (POST /v1/embeddings)");
  });

  it("counts requests in stats and resets them", async () => {
    mock.reset();
    await post("/chat/completions", validBody);
    await post("/chat/completions", validBody, {});
    const stats = mock.stats();
    expect(stats.requests).toBe(2);
    expect(stats.chatCompletions).toBe(2);
    // Only the authenticated, valid request reached fingerprinting.
    expect(Object.values(stats.attemptsByFingerprint)).toEqual([1]);
    mock.reset();
    expect(mock.stats()).toEqual({ requests: 0, chatCompletions: 0, attemptsByFingerprint: {} });
  });

  it("serves stats over HTTP for mocks started by the CLI", async () => {
    await post("/chat/completions", validBody);
    const response = await fetch(mock.url.replace(/\/v1$/, "/__mock/stats"));
    const stats = (await response.json()) as { chatCompletions: number };
    expect(stats.chatCompletions).toBeGreaterThanOrEqual(1);
  });
});

describe("limits", () => {
  it("413s a body over maxBodyBytes in OpenAI's error shape", async () => {
    const small = await startMockLlm({ maxBodyBytes: 1000 });
    try {
      const response = await fetch(`${small.url}/chat/completions`, {
        method: "POST",
        headers: { authorization: "Bearer k", "content-type": "application/json" },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "x".repeat(5000) }] }),
      });
      expect(response.status).toBe(413);
      expect(((await response.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    } finally {
      await small.close();
    }
  });
});
