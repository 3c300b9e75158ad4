import { expect, test, type Page } from "@playwright/test";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { findModelPrice } from "@/lib/config/price-book";
import { creditsFor } from "@/lib/gateway/pricing";
import { ApiKeysPage } from "./pages/api-keys";
import { AuthPages, uniqueEmail } from "./pages/auth";
import { UsagePage } from "./pages/usage";
import { availableCredits, fetchReceipt, waitForReceipt, type ReceiptJson } from "./support/gateway";
import { openaiClient } from "./support/openai";

/**
 * The metered gateway as a customer uses it: the official `openai` client over real HTTP against
 * the production server (`next start`, embedded Postgres, the sandbox's mock LLM). The vitest
 * suites drive the same code through an in-process fetch; what only shows here is Next's real
 * streaming, a real TCP disconnect reaching the route's abort signal, and headers on the wire.
 * Each test signs up its own account (its own signup credits) and creates its own key.
 */

/** `usage` as the gateway sends it: OpenAI's fields plus the credits charged (lib/gateway/usage.ts). */
type GatewayUsage = { prompt_tokens: number; completion_tokens: number; total_tokens: number; credits_charged: number };

const STANDARD = findModelPrice("standard")!;

/** A new account and an API key for it, both through the UI. Returns the key's secret. */
async function accountWithKey(page: Page, who: string): Promise<string> {
  await new AuthPages(page).signUp(`${who} Gateway`, uniqueEmail(who.toLowerCase()));
  const keys = new ApiKeysPage(page);
  await keys.open();
  return keys.create(`${who.toLowerCase()} e2e key`);
}

/**
 * Makes a prompt unique: the mock remembers fail_first attempts per identical body for 60 s, and a
 * locally reused server (reuseExistingServer) would otherwise remember them across runs.
 */
function nonce(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

function usageOf(chunk: ChatCompletionChunk | undefined): GatewayUsage {
  expect(chunk?.usage, "the stream's last chunk carries usage").toBeTruthy();
  return chunk!.usage as unknown as GatewayUsage;
}

/** The receipt prices its own token counts at the model's posted price: the charge is what was used. */
function expectChargeMatchesTokens(receipt: ReceiptJson) {
  expect(receipt.credits.charged).toBe(creditsFor(STANDARD, { inputTokens: receipt.usage.prompt_tokens, outputTokens: receipt.usage.completion_tokens }));
}

test("stream with include_usage: last chunk's usage.credits_charged = receipt credits.charged = balance before − balance after", async ({ page }) => {
  const secret = await accountWithKey(page, "Stella");
  const before = await availableCredits(secret);
  expect(before).toBeGreaterThan(0);

  const { data: stream, response } = await openaiClient(secret, "e2e.stream")
    .chat.completions.create({
      model: "standard",
      max_tokens: 64,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: `Name three colours. ${nonce()}` }],
    })
    .withResponse();
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  const requestId = response.headers.get("x-request-id");
  expect(requestId).toMatch(/^req_[0-9A-Z]{26}$/);
  const held = Number(response.headers.get("x-credits-held"));
  expect(held).toBeGreaterThan(0);

  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const text = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
  expect(text.length).toBeGreaterThan(0);
  // Every chunk is stamped with the request id, so the receipt can be looked up from the stream alone.
  expect(new Set(chunks.map((c) => c.id))).toEqual(new Set([requestId]));
  // OpenAI's include_usage shape: usage only on a last chunk with no choices.
  const last = chunks.at(-1);
  expect(last?.choices).toEqual([]);
  expect(chunks.slice(0, -1).filter((c) => c.usage != null)).toHaveLength(0);
  const usage = usageOf(last);
  expect(usage.completion_tokens).toBeGreaterThan(0);
  expect(usage.credits_charged).toBeGreaterThan(0);
  expect(usage.credits_charged).toBeLessThanOrEqual(held);

  // The usage chunk is sent after the capture, so the receipt exists as soon as the stream ends.
  const receipt = await fetchReceipt(secret, requestId!);
  expect(receipt).not.toBeNull();
  expect(receipt).toMatchObject({
    id: requestId,
    status: "succeeded",
    model: "standard",
    action: "e2e.stream",
    usage: { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens },
    credits: { held, charged: usage.credits_charged },
  });
  expectChargeMatchesTokens(receipt!);

  expect(await availableCredits(secret)).toBe(before - usage.credits_charged);
});

test("client aborts a 200-token stream after 3 tokens: receipt partial, 0 < charged < held, balance − charged, no hold left", async ({ page }) => {
  // A gateway that missed the disconnect would stream all 200 tokens (20 s) before settling.
  test.setTimeout(120_000);
  const secret = await accountWithKey(page, "Abby");
  const before = await availableCredits(secret);

  const abort = new AbortController();
  // max_tokens = tokens: the hold is exactly what the whole answer would have cost.
  const { data: stream, response } = await openaiClient(secret, "e2e.abort")
    .chat.completions.create(
      {
        model: "standard",
        max_tokens: 200,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: "user", content: `[mock slow_ms=100 tokens=200] Tell a long story. ${nonce()}` }],
      },
      { signal: abort.signal },
    )
    .withResponse();
  expect(response.status).toBe(200);
  const requestId = response.headers.get("x-request-id")!;
  const held = Number(response.headers.get("x-credits-held"));
  expect(held).toBeGreaterThan(0);

  let tokensSeen = 0;
  let availableWhileStreaming: number | null = null;
  for await (const chunk of stream) {
    if (!chunk.choices[0]?.delta?.content) continue;
    tokensSeen++; // the mock sends one token per chunk
    // Mid-stream the worst case is held, so the "no hold left" check below can fail.
    if (tokensSeen === 1) availableWhileStreaming = await availableCredits(secret);
    if (tokensSeen === 3) {
      abort.abort(); // closes the TCP connection under the stream
      break;
    }
  }
  expect(tokensSeen).toBe(3);
  expect(availableWhileStreaming).toBe(before - held);

  // The stream settles after the client has gone: poll for the receipt. Longer than the whole
  // answer (20 s), so a gateway that ignored the abort fails on the status, not on a timeout.
  const receipt = await waitForReceipt(secret, requestId, 40_000);
  expect(receipt.status).toBe("partial");
  expect(receipt.credits.held).toBe(held);
  expect(receipt.credits.charged).toBeGreaterThan(0);
  expect(receipt.credits.charged).toBeLessThan(receipt.credits.held);
  // Billed for what was generated until the disconnect: at least what we read, far from all 200.
  expect(receipt.usage.completion_tokens).toBeGreaterThanOrEqual(tokensSeen);
  expect(receipt.usage.completion_tokens).toBeLessThan(200);
  expectChargeMatchesTokens(receipt);

  // Available = remaining − held: equal to before − charged only if the rest of the hold was released.
  expect(await availableCredits(secret)).toBe(before - receipt.credits.charged);
});

test("first upstream attempt 503, second 200 (JSON and stream): x-upstream-attempts 2, one receipt each, balance and usage page − their sum", async ({ page }) => {
  const secret = await accountWithKey(page, "Rita");
  const before = await availableCredits(secret);
  // maxRetries 0 on the client: any retry seen here is the gateway's own.
  const client = openaiClient(secret, "e2e.retry");

  const json = await client.chat.completions
    .create({ model: "standard", max_tokens: 64, messages: [{ role: "user", content: `[mock fail_first=1 status=503] Name three colours. ${nonce()}` }] })
    .withResponse();
  expect(json.response.status).toBe(200);
  expect(json.response.headers.get("x-upstream-attempts")).toBe("2");
  const jsonId = json.response.headers.get("x-request-id")!;
  expect(json.data.id).toBe(jsonId);
  const jsonCharged = Number(json.response.headers.get("x-credits-charged"));
  expect(jsonCharged).toBeGreaterThan(0);
  expect((json.data.usage as unknown as GatewayUsage).credits_charged).toBe(jsonCharged);
  expect(await fetchReceipt(secret, jsonId)).toMatchObject({ id: jsonId, status: "succeeded", credits: { charged: jsonCharged } });

  // A stream is retried too, as long as nothing has reached the client yet.
  const streamed = await client.chat.completions
    .create({
      model: "standard",
      max_tokens: 64,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: `[mock fail_first=1 status=503] Name three fruits. ${nonce()}` }],
    })
    .withResponse();
  expect(streamed.response.status).toBe(200);
  expect(streamed.response.headers.get("x-upstream-attempts")).toBe("2");
  const streamId = streamed.response.headers.get("x-request-id")!;
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of streamed.data) chunks.push(chunk);
  const streamCharged = usageOf(chunks.at(-1)).credits_charged;
  expect(streamCharged).toBeGreaterThan(0);
  expect(await fetchReceipt(secret, streamId)).toMatchObject({ id: streamId, status: "succeeded", credits: { charged: streamCharged } });

  // Charged once per request: the failed attempts left no charge and no receipt of their own.
  expect(await availableCredits(secret)).toBe(before - jsonCharged - streamCharged);
  const usagePage = new UsagePage(page);
  await usagePage.open();
  await expect(usagePage.recentRows()).toHaveCount(2);
  expect(await usagePage.usedCredits()).toBe(jsonCharged + streamCharged);
});

test("Idempotency-Key: same key + same body twice → same x-request-id, second has idempotent-replayed: true, charged once; other body → 422", async ({ page }) => {
  const secret = await accountWithKey(page, "Ida");
  const before = await availableCredits(secret);
  const client = openaiClient(secret, "e2e.idempotent");
  const idempotencyKey = `e2e-${nonce()}`;
  const body = { model: "standard", max_tokens: 64, messages: [{ role: "user" as const, content: `Summarise the invoice in one line. ${nonce()}` }] };

  const first = await client.chat.completions.create(body, { headers: { "Idempotency-Key": idempotencyKey } }).withResponse();
  expect(first.response.status).toBe(200);
  expect(first.response.headers.get("idempotent-replayed")).toBeNull();
  const requestId = first.response.headers.get("x-request-id")!;
  const charged = Number(first.response.headers.get("x-credits-charged"));
  expect(charged).toBeGreaterThan(0);

  const second = await client.chat.completions.create(body, { headers: { "Idempotency-Key": idempotencyKey } }).withResponse();
  expect(second.response.status).toBe(200);
  expect(second.response.headers.get("idempotent-replayed")).toBe("true");
  expect(second.response.headers.get("x-request-id")).toBe(requestId);
  expect(second.response.headers.get("x-credits-charged")).toBe(String(charged));
  // The stored first answer, byte for byte: same id, same text, same usage and credits.
  expect(second.data).toEqual(first.data);
  expect(second.data.id).toBe(requestId);

  expect(await fetchReceipt(secret, requestId)).toMatchObject({ id: requestId, status: "succeeded", credits: { charged } });
  expect(await availableCredits(secret)).toBe(before - charged);

  // The same key with another body is refused and charges nothing.
  const reused = await client.chat.completions
    .create({ ...body, max_tokens: 32 }, { headers: { "Idempotency-Key": idempotencyKey } })
    .then(
      () => null,
      (e: { status?: number; code?: string }) => e,
    );
  expect(reused?.status).toBe(422);
  expect(reused?.code).toBe("idempotency_key_reused");
  expect(await availableCredits(secret)).toBe(before - charged);

  const usagePage = new UsagePage(page);
  await usagePage.open();
  await expect(usagePage.recentRows()).toHaveCount(1);
  expect(await usagePage.usedCredits()).toBe(charged);
});
