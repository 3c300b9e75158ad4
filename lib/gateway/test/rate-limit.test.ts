import { beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/db";
import { makePayingAccount, rawCall, startGatewayRig, balanceAfter } from "./harness";

let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
  await startGatewayRig({ GATEWAY_RATE_LIMIT_RPS: "1", GATEWAY_RATE_LIMIT_BURST: "2" });
});

describe("per-key rate limit (in-process token bucket)", () => {
  it("burst 2 at 1 rps: requests 1–2 pass, the 3rd → 429 rate_limit_exceeded with retry-after, not charged; another key is unaffected", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const b = await makePayingAccount(t.db, 10_000);
    const body = { model: "standard", messages: [{ role: "user", content: "hi" }], max_tokens: 3 };
    expect((await rawCall("/chat/completions", { apiKey: a.apiKey, body })).status).toBe(200);
    expect((await rawCall("/chat/completions", { apiKey: a.apiKey, body })).status).toBe(200);
    const before = await balanceAfter(t.db, a.accountId);
    const limited = await rawCall("/chat/completions", { apiKey: a.apiKey, body });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(limited.headers.get("x-request-id")).toMatch(/^req_/);
    expect((await limited.json()).error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
    expect((await balanceAfter(t.db, a.accountId)).availableCredits).toBe(before.availableCredits);
    expect((await rawCall("/chat/completions", { apiKey: b.apiKey, body })).status).toBe(200);
  });
});
