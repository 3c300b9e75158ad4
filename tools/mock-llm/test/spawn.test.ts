import { describe, expect, it } from "vitest";
import { spawnMockLlm } from "../index";
import { clientFor, userMessage } from "./helpers";

describe("spawnMockLlm", () => {
  it("runs the CLI in a child process on a free port and stops it on close()", async () => {
    const mock = await spawnMockLlm();
    try {
      expect(mock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      expect(mock.port).toBeGreaterThan(0);
      const completion = await clientFor(mock.url).chat.completions.create({ model: "mock-small", messages: userMessage("hi") });
      expect(completion.object).toBe("chat.completion");
    } finally {
      await mock.close();
    }
    await expect(fetch(`${mock.url}/models`)).rejects.toThrow();
  });
});
