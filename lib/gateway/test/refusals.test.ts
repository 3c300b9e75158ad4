import { beforeAll, describe, expect, it } from "vitest";
import { APIError } from "openai";
import { createTestDb, type TestDb } from "@/tests/db";
import { setAccountStatus, setLimits, setPlan } from "@/lib/ledger";
import { revokeApiKey } from "@/lib/api-keys/keys";
import type { MockLlm } from "@/tools/mock-llm";
import { countPromptTokens } from "../tokens";
import { clientFor, makeAccountWithExactly, makePayingAccount, rawCall, startGatewayRig, balanceAfter, receiptAfter } from "./harness";

let t: TestDb;
let mock: MockLlm;

beforeAll(async () => {
  t = await createTestDb();
  ({ mock } = await startGatewayRig());
});

const messages = [{ role: "user" as const, content: "Hello there" }];
const refusal = (p: Promise<unknown>) => p.then(() => { throw new Error("expected a refusal"); }, (e: unknown) => e as APIError);

/** A refused request charged nothing and left nothing held. */
async function expectUntouched(accountId: string, before: Awaited<ReturnType<typeof balanceAfter>>) {
  const after = await balanceAfter(t.db, accountId);
  expect(after.availableCredits).toBe(before.availableCredits);
  expect(after.heldCredits).toBe(0);
  expect(after.overage.heldCredits).toBe(0);
}

describe("refusals charge nothing and speak OpenAI's error shape", () => {
  it("hold 1024 + prompt on 100 credits (free plan) → 402 insufficient_credits, says to top up", async () => {
    const a = await makeAccountWithExactly(t.db, 100);
    const before = await balanceAfter(t.db, a.accountId);
    expect(before.availableCredits).toBe(100);
    const calls = mock.stats().chatCompletions;
    const err = await refusal(a.client.chat.completions.create({ model: "standard", messages }));
    expect(err.status).toBe(402);
    expect(err.type).toBe("insufficient_credits");
    expect(err.message).toMatch(/Top up credits in \/settings\/usage/);
    expect((err.error as Record<string, unknown>).available_credits).toBe(100);
    expect(mock.stats().chatCompletions).toBe(calls);
    await expectUntouched(a.accountId, before);
  });

  it("max_tokens 50 fits the same 100 credits: prompt + 50 ≤ 100 → allowed", async () => {
    const a = await makeAccountWithExactly(t.db, 100);
    const r = await a.client.chat.completions.create({ model: "standard", messages, max_tokens: 50 });
    expect(r.usage!.prompt_tokens).toBe(countPromptTokens(messages));
  });

  it("pro plan, hard limit 50 overage credits, 100 grant credits, hold ≈1040 → 402 hard_limit_reached, says raise it in /settings/usage", async () => {
    const a = await makeAccountWithExactly(t.db, 100);
    await setPlan(t.db, a.accountId, "pro");
    await setLimits(t.db, a.owner, { hardLimit: 50 });
    const before = await balanceAfter(t.db, a.accountId);
    const err = await refusal(a.client.chat.completions.create({ model: "standard", messages }));
    expect(err.status).toBe(402);
    expect(err.type).toBe("hard_limit_reached");
    expect(err.message).toMatch(/raise the hard limit in \/settings\/usage/);
    await expectUntouched(a.accountId, before);
  });

  it("pro plan with overage blocked and 100 credits, hold ≈1040 → 402 overage_blocked", async () => {
    const a = await makeAccountWithExactly(t.db, 100);
    await setPlan(t.db, a.accountId, "pro");
    await setLimits(t.db, a.owner, { blockOverage: true });
    const before = await balanceAfter(t.db, a.accountId);
    const err = await refusal(a.client.chat.completions.create({ model: "standard", messages }));
    expect([err.status, err.type]).toEqual([402, "overage_blocked"]);
    await expectUntouched(a.accountId, before);
  });

  it("frozen account → 403 account_frozen (the ledger refuses even while the key lookup is cached)", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    await a.client.chat.completions.create({ model: "standard", messages, max_tokens: 5 }); // warms the key cache with "active"
    await setAccountStatus(t.db, a.accountId, "frozen", "chargeback");
    const before = await balanceAfter(t.db, a.accountId);
    const err = await refusal(a.client.chat.completions.create({ model: "standard", messages, max_tokens: 5 }));
    expect([err.status, err.type]).toEqual([403, "account_frozen"]);
    await expectUntouched(a.accountId, before);
  });

  it("unknown key → 401 invalid_api_key; missing header → 401; revoked key → 401 at once in this process", async () => {
    const unknown = await refusal(clientFor("mk_" + "x".repeat(40)).chat.completions.create({ model: "standard", messages }));
    expect([unknown.status, unknown.code]).toEqual([401, "invalid_api_key"]);
    const missing = await rawCall("/chat/completions", { body: { model: "standard", messages } });
    expect(missing.status).toBe(401);
    expect((await missing.json()).error.type).toBe("authentication_error");
    const a = await makePayingAccount(t.db, 10_000);
    await a.client.chat.completions.create({ model: "standard", messages, max_tokens: 5 });
    await revokeApiKey(t.db, a.owner, a.apiKeyId);
    const revoked = await refusal(a.client.chat.completions.create({ model: "standard", messages, max_tokens: 5 }));
    expect(revoked.status).toBe(401);
    expect(revoked.message).toMatch(/revoked/);
  });

  it("bad bodies: not JSON → 400; no messages → 422 param messages; max_tokens 20000 > limit 16384 → 422; bad x-action → 422", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const before = await balanceAfter(t.db, a.accountId);
    const notJson = await rawCall("/chat/completions", { apiKey: a.apiKey, body: "{nope" });
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).error.type).toBe("invalid_request_error");
    const noMessages = await rawCall("/chat/completions", { apiKey: a.apiKey, body: { model: "standard" } });
    expect(noMessages.status).toBe(422);
    expect((await noMessages.json()).error.param).toBe("messages");
    const tooLong = await rawCall("/chat/completions", { apiKey: a.apiKey, body: { model: "standard", messages, max_tokens: 20_000 } });
    expect(tooLong.status).toBe(422);
    expect((await tooLong.json()).error.param).toBe("max_tokens");
    const badAction = await rawCall("/chat/completions", { apiKey: a.apiKey, body: { model: "standard", messages }, headers: { "x-action": "no spaces allowed" } });
    expect(badAction.status).toBe(422);
    await expectUntouched(a.accountId, before);
  });

  it("unknown model → 404 model_not_found, param model, nothing held", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const before = await balanceAfter(t.db, a.accountId);
    const err = await refusal(a.client.chat.completions.create({ model: "gpt-17", messages }));
    expect([err.status, err.code, err.param]).toEqual([404, "model_not_found", "model"]);
    await expectUntouched(a.accountId, before);
  });

  it("every response carries x-request-id, errors included, and it is the id the client reports; refusals say x-credits-charged: 0", async () => {
    const err = await refusal(clientFor("mk_" + "y".repeat(40)).chat.completions.create({ model: "standard", messages }));
    expect(err.requestID).toMatch(/^req_/);
    expect(err.headers?.get("x-credits-charged")).toBe("0");
    const a = await makeAccountWithExactly(t.db, 100);
    const refused = await rawCall("/chat/completions", { apiKey: a.apiKey, body: { model: "standard", messages } });
    expect([refused.status, refused.headers.get("x-credits-charged")]).toEqual([402, "0"]);
    const models = await rawCall("/models", { method: "GET", apiKey: a.apiKey });
    expect(models.headers.get("x-request-id")).toMatch(/^req_/);
  });
});

describe("action labels, session auth, receipts, models, estimate", () => {
  it("x-action: summarize (or metadata.action) lands on the receipt", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const viaHeader = await rawCall("/chat/completions", { apiKey: a.apiKey, body: { model: "standard", messages, max_tokens: 5 }, headers: { "x-action": "summarize" } });
    const viaBody = await rawCall("/chat/completions", { apiKey: a.apiKey, body: { model: "standard", messages, max_tokens: 5, metadata: { action: "translate" } } });
    expect(viaBody.status).toBe(200);
    expect((await receiptAfter(t.db, a.accountId, viaHeader.headers.get("x-request-id")!))!.action).toBe("summarize");
    expect((await receiptAfter(t.db, a.accountId, viaBody.headers.get("x-request-id")!))!.action).toBe("translate");
  });

  it("a signed-in session (the playground) is metered on the current account with no API key", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const res = await rawCall("/chat/completions", { body: { model: "standard", messages, max_tokens: 5 }, headers: { cookie: a.cookie } });
    expect(res.status).toBe(200);
    const receipt = await receiptAfter(t.db, a.accountId, res.headers.get("x-request-id")!);
    expect(receipt).toMatchObject({ userId: a.userId, apiKeyId: null });
  });

  it("GET /receipts/{id}: tokens, credits, grants; another account's id is 404", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const b = await makePayingAccount(t.db, 10_000);
    const { response, data } = await a.client.chat.completions.create({ model: "standard", messages, max_tokens: 8 }).withResponse();
    const id = response.headers.get("x-request-id")!;
    const res = await rawCall(`/receipts/${id}`, { method: "GET", apiKey: a.apiKey });
    const receipt = await res.json();
    expect(receipt).toMatchObject({
      object: "receipt",
      id,
      model: "standard",
      cache_hit: false,
      status: "succeeded",
      usage: { prompt_tokens: data.usage!.prompt_tokens, completion_tokens: data.usage!.completion_tokens },
      credits: { charged: Number(response.headers.get("x-credits-charged")), held: data.usage!.prompt_tokens + 8, overage: 0 },
    });
    expect(receipt.grants.reduce((s: number, g: { credits: number }) => s + g.credits, 0)).toBe(receipt.credits.charged);
    expect((await rawCall(`/receipts/${id}`, { method: "GET", apiKey: b.apiKey })).status).toBe(404);
  });

  it("GET /models: OpenAI list shape with integer credit prices and the posted ratio", async () => {
    const a = await makePayingAccount(t.db, 0);
    const list = await a.client.models.list();
    const large = list.data.find((m) => m.id === "mock-large") as unknown as { pricing: Record<string, number> };
    expect(large.pricing).toMatchObject({ input_credits_per_1k_tokens: 3000, output_credits_per_1k_tokens: 9000 });
    const raw = await (await rawCall("/models", { method: "GET", apiKey: a.apiKey })).json();
    expect(raw.credit_ratio).toEqual({ standard_model: "standard", tokens_per_credit: 1 });
  });

  it("POST /estimate: holds what the real call holds (prompt + max_tokens 200), range from prompt-only, no upstream call, nothing held", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const before = await balanceAfter(t.db, a.accountId);
    const calls = mock.stats().chatCompletions;
    const body = { model: "mock-large", messages, max_tokens: 200 };
    const est = await (await rawCall("/estimate", { apiKey: a.apiKey, body })).json();
    const prompt = countPromptTokens(messages);
    expect(est).toMatchObject({
      input_tokens: prompt,
      hold_credits: Math.ceil((prompt * 3000 + 200 * 9000) / 1000),
      likely_credits: { min: Math.ceil((prompt * 3000) / 1000), max: Math.ceil((prompt * 3000 + 200 * 9000) / 1000) },
      available_credits: before.availableCredits,
      affordable: true,
    });
    expect(mock.stats().chatCompletions).toBe(calls);
    await expectUntouched(a.accountId, before);
    const real = await rawCall("/chat/completions", { apiKey: a.apiKey, body });
    expect(Number(real.headers.get("x-credits-held"))).toBe(est.hold_credits);
  });

  it("estimate on 100 credits for a 1024-token default hold → affordable false", async () => {
    const a = await makeAccountWithExactly(t.db, 100);
    const est = await (await rawCall("/estimate", { apiKey: a.apiKey, body: { model: "standard", messages } })).json();
    expect(est.affordable).toBe(false);
  });
});
