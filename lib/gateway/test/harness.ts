import OpenAI from "openai";
import { afterAll } from "vitest";
import type { Db } from "@/db/client";
import { createApiKey } from "@/lib/api-keys/keys";
import { resetEnvForTests } from "@/lib/config/env";
import { resetGatewayConfigForTests } from "@/lib/config/gateway";
import { resetGatewayLimiterForTests } from "@/lib/gateway/http/with-gateway";
import { adjust, getBalance, getReceipt, grant } from "@/lib/ledger";
import { drainSettlements } from "@/lib/gateway/settle-behind";
import { startMockLlm, type MockLlm } from "@/tools/mock-llm";
import { ctx, makeUser } from "@/tests/helpers/fixtures";
import * as chatRoute from "@/app/api/v1/chat/completions/route";
import * as modelsRoute from "@/app/api/v1/models/route";
import * as estimateRoute from "@/app/api/v1/estimate/route";
import * as receiptRoute from "@/app/api/v1/receipts/[requestId]/route";

export const BASE_URL = "http://gateway.test/api/v1";

/**
 * The gateway's test rig: a real mock LLM on a port, the real route handlers called in-process by
 * a fetch the official `openai` client uses (Request built from its init, signal passed through),
 * and the real Postgres of the test file. Fast retries so failure paths take milliseconds.
 */
export async function startGatewayRig(env: Record<string, string> = {}): Promise<{ mock: MockLlm }> {
  const mock = await startMockLlm({ port: 0 });
  Object.assign(process.env, {
    LLM_BASE_URL: mock.url,
    LLM_API_KEY: "mock-key",
    GATEWAY_RETRY_BASE_MS: "5",
    GATEWAY_RETRY_MAX_DELAY_MS: "20",
    GATEWAY_ATTEMPT_TIMEOUT_MS: "5000",
    ...env,
  });
  resetEnvForTests();
  resetGatewayConfigForTests();
  resetGatewayLimiterForTests();
  afterAll(() => mock.close());
  return { mock };
}

/**
 * Routes a URL to the exported handler, the way Next would; like real fetch, it rejects with an
 * AbortError as soon as the caller's signal aborts, whatever the handler is still doing.
 */
export const inProcessFetch: typeof fetch = async (input, init) => {
  const req = new Request(input instanceof Request ? input : String(input), init);
  const signal = req.signal;
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(new DOMException("This operation was aborted", "AbortError"));
    if (signal.aborted) fail();
    else signal.addEventListener("abort", fail, { once: true });
  });
  aborted.catch(() => {});
  return Promise.race([route(req), aborted]);
};

async function route(req: Request): Promise<Response> {
  const path = new URL(req.url).pathname.replace(/^\/api\/v1/, "");
  if (path === "/chat/completions" && req.method === "POST") return chatRoute.POST(req);
  if (path === "/models" && req.method === "GET") return modelsRoute.GET(req);
  if (path === "/estimate" && req.method === "POST") return estimateRoute.POST(req);
  const receipt = /^\/receipts\/([^/]+)$/.exec(path);
  if (receipt && req.method === "GET") return receiptRoute.GET(req, { params: Promise.resolve({ requestId: decodeURIComponent(receipt[1]!) }) });
  return new Response("not found", { status: 404 });
}

export function clientFor(apiKey: string, options: { maxRetries?: number } = {}): OpenAI {
  return new OpenAI({ apiKey, baseURL: BASE_URL, fetch: inProcessFetch, maxRetries: options.maxRetries ?? 0 });
}

let n = 0;
/** A user, their personal account (with the catalogue's signup grant), an API key on it, and `credits` more (promo). */
export async function makePayingAccount(db: Db, credits: number) {
  const u = await makeUser(db, `Payer ${++n}`);
  const owner = ctx(u.personalAccountId, u.user.id, "owner");
  const { secret, key } = await createApiKey(db, owner, "test key");
  if (credits > 0) await grant(db, { accountId: owner.accountId, kind: "promo", credits, sourceRef: `test-grant-${owner.accountId}` });
  return { accountId: owner.accountId, userId: u.user.id, owner, apiKey: secret, apiKeyId: key.id, cookie: u.cookie, client: clientFor(secret) };
}

/**
 * Like makePayingAccount, but with exactly `credits` available whatever the catalogue's signup
 * grant is: the signup grant is debited away first (journaled like any admin adjustment).
 */
export async function makeAccountWithExactly(db: Db, credits: number) {
  const a = await makePayingAccount(db, 0);
  const signup = (await getBalance(db, a.accountId)).availableCredits;
  if (signup > 0) await adjust(db, { accountId: a.accountId, credits: -signup, reason: "test: start from zero", actorUserId: null, sourceRef: `test-zero-${a.accountId}` });
  if (credits > 0) await grant(db, { accountId: a.accountId, kind: "promo", credits, sourceRef: `test-exact-${a.accountId}` });
  return a;
}

/** Raw call to a route (for headers and bodies the client would hide). */
export function rawCall(path: string, init: { method?: string; apiKey?: string; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal }) {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.apiKey) headers.authorization = `Bearer ${init.apiKey}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  return inProcessFetch(`${BASE_URL}${path}`, {
    method: init.method ?? "POST",
    headers,
    body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
    signal: init.signal,
  });
}

/** Polls until `check` returns a value (streams settle just after their last byte). */
export async function eventually<T>(check: () => Promise<T | null | undefined>, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The ledger as the calls answered so far left it. A plain call is answered while its capture may
 * still be committing (lib/gateway/settle-behind.ts); these wait for those captures first.
 */
export async function balanceAfter(db: Db, accountId: string) {
  await drainSettlements();
  return getBalance(db, accountId);
}

export async function receiptAfter(db: Db, accountId: string, requestId: string) {
  await drainSettlements();
  return getReceipt(db, accountId, requestId);
}
