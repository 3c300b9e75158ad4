import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/db";
import { findModelPrice, type ModelPrice } from "@/lib/config/price-book";
import { startMockLlm, type MockLlm } from "@/tools/mock-llm";
import { makePayingAccount, rawCall, startGatewayRig, balanceAfter } from "./harness";

/**
 * Per-model upstreams: a model whose price entry says `upstream: "second"` goes to
 * LLM_UPSTREAM_SECOND_BASE_URL, every other model to LLM_BASE_URL. Two mock LLMs tell them apart.
 */
let t: TestDb;
let primary: MockLlm;
let second: MockLlm;
const large = findModelPrice("mock-large") as ModelPrice & { upstream?: string };

beforeAll(async () => {
  t = await createTestDb();
  ({ mock: primary } = await startGatewayRig());
  second = await startMockLlm({ port: 0 });
  process.env.LLM_UPSTREAM_SECOND_BASE_URL = second.url;
  process.env.LLM_UPSTREAM_SECOND_API_KEY = "second-key";
  // The price book is config; this test routes one model elsewhere and puts it back afterwards.
  large.upstream = "second";
});

afterAll(async () => {
  delete large.upstream;
  delete process.env.LLM_UPSTREAM_SECOND_BASE_URL;
  delete process.env.LLM_UPSTREAM_SECOND_API_KEY;
  await second.close();
});

const body = (model: string, content: string) => ({ model, messages: [{ role: "user", content }] });

describe("LLM_UPSTREAM_<NAME>_BASE_URL routes a model to its own upstream", () => {
  it("mock-large (upstream second) → 1 call on the second mock, 0 on the default; standard → 1 on the default, 0 on the second", async () => {
    const a = await makePayingAccount(t.db, 100_000);
    const p0 = primary.stats().chatCompletions;
    const s0 = second.stats().chatCompletions;
    const r1 = await rawCall("/chat/completions", { apiKey: a.apiKey, body: body("mock-large", "Routed [mock tokens=2]") });
    expect(r1.status).toBe(200);
    expect([primary.stats().chatCompletions - p0, second.stats().chatCompletions - s0]).toEqual([0, 1]);
    const r2 = await rawCall("/chat/completions", { apiKey: a.apiKey, body: body("standard", "Default [mock tokens=2]") });
    expect(r2.status).toBe(200);
    expect([primary.stats().chatCompletions - p0, second.stats().chatCompletions - s0]).toEqual([1, 1]);
    // Billed at mock-large's prices (3 in, 9 out per token) whichever upstream served it.
    const u = (await r1.json()).usage;
    expect(Number(r1.headers.get("x-credits-charged"))).toBe(Math.ceil((u.prompt_tokens * 3000 + 2 * 9000) / 1000));
  });

  it("upstream named but not configured (LLM_UPSTREAM_SECOND_BASE_URL unset) → 502 upstream_failed, 0 calls, 0 credits charged", async () => {
    const a = await makePayingAccount(t.db, 100_000);
    const before = await balanceAfter(t.db, a.accountId);
    const s0 = second.stats().chatCompletions;
    const url = process.env.LLM_UPSTREAM_SECOND_BASE_URL;
    delete process.env.LLM_UPSTREAM_SECOND_BASE_URL;
    try {
      const r = await rawCall("/chat/completions", { apiKey: a.apiKey, body: body("mock-large", "Nowhere [mock tokens=2]") });
      expect(r.status).toBe(502);
      expect((await r.json()).error.type).toBe("upstream_error");
    } finally {
      process.env.LLM_UPSTREAM_SECOND_BASE_URL = url;
    }
    expect(second.stats().chatCompletions).toBe(s0);
    const after = await balanceAfter(t.db, a.accountId);
    expect([after.availableCredits, after.heldCredits]).toEqual([before.availableCredits, 0]);
  });
});
