import type { estimateCompletion } from "@/lib/gateway/estimate";
import type { receiptObject } from "@/lib/gateway/receipts";
import { gatewayBaseURL } from "./openai";

/**
 * Plain HTTP calls to the gateway with an API key, for what the openai client has no method for
 * (receipts, the balance). The shapes are the route handlers' own return types, so a renamed
 * field breaks the type check of the specs instead of passing silently as undefined.
 */
export type ReceiptJson = ReturnType<typeof receiptObject>;
type EstimateJson = Awaited<ReturnType<typeof estimateCompletion>>;

function gatewayFetch(apiKey: string, pathname: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${gatewayBaseURL}${pathname}`, {
    ...init,
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...(init.headers ?? {}) },
  });
}

/**
 * What the key's account can spend now (remaining minus held), from POST /api/v1/estimate,
 * which reads the balance without calling the model or holding anything.
 */
export async function availableCredits(apiKey: string): Promise<number> {
  const res = await gatewayFetch(apiKey, "/estimate", {
    method: "POST",
    body: JSON.stringify({ model: "standard", max_tokens: 1, messages: [{ role: "user", content: "balance" }] }),
  });
  if (res.status !== 200) throw new Error(`POST /api/v1/estimate: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as EstimateJson).available_credits;
}

/** GET /api/v1/receipts/{id}; null while the request has not settled (404), an error otherwise. */
export async function fetchReceipt(apiKey: string, requestId: string): Promise<ReceiptJson | null> {
  const res = await gatewayFetch(apiKey, `/receipts/${encodeURIComponent(requestId)}`);
  if (res.status === 404) return null;
  if (res.status !== 200) throw new Error(`GET /api/v1/receipts/${requestId}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as ReceiptJson;
}

/** Polls until the request's receipt exists (a stream settles after the client has gone). */
export async function waitForReceipt(apiKey: string, requestId: string, timeoutMs: number): Promise<ReceiptJson> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const receipt = await fetchReceipt(apiKey, requestId);
    if (receipt) return receipt;
    if (Date.now() > deadline) throw new Error(`no receipt for ${requestId} after ${timeoutMs} ms: the request never settled (its hold is still open)`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
