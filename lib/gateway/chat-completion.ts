import type { Db } from "@/db/client";
import { getGatewayConfig } from "@/lib/config/gateway";
import { AppError } from "@/lib/errors";
import { cacheRequestHash, findCachedCompletion, storeCachedCompletion } from "./cache";
import type { GatewayCaller } from "./http/authenticate";
import { prepareCompletion, type PreparedCompletion, type RequestOptions } from "./prepare";
import { holdForRequest } from "./request-hold";
import type { StoredResponse } from "./idempotency";
import { partialStreamReplay } from "./partial-replay";
import { HEADER, SSE_HEADERS, completionAsSse, pushedTextResponse, shapeCompletion, textResponse } from "./respond";
import type { ChatCompletionBody } from "./schemas";
import { Settlement } from "./settlement";
import { PhaseTimer } from "./timing";
import { streamCompletion, type StreamHooks } from "./stream-completion";
import { countTextTokens } from "./tokens";
import { callUpstreamJson, ClientAbortedError, openUpstreamStream } from "./upstream/call";
import { resolveUpstreamOrThrow } from "./upstream/resolve";
import { usageForClient, usageFromUpstream } from "./usage";

export type CompletionCall = {
  caller: GatewayCaller;
  requestId: string;
  body: ChatCompletionBody;
  options: RequestOptions;
  /** Aborts when the client disconnects. */
  signal: AbortSignal;
  /** Phases so far (auth, parse); this function adds reserve, upstream, capture. */
  timer?: PhaseTimer;
  /**
   * Called with the outcome to store for an Idempotency-Key once the request was charged
   * (non-streaming: at once; streams: when they end — a cut stream gives its partial result).
   */
  onFinalResponse?: (response: StoredResponse, charged: { chargedCredits: number }) => Promise<void>;
  /** A stream that was already answered (200) ended without being charged: the Idempotency-Key is given back. */
  onStreamAbandoned?: () => Promise<void>;
  /** The request took a hold placed ahead (./hold-pool.ts) and from here on goes by that hold's request id. */
  adoptRequestId?: (requestId: string) => void;
};

/**
 * One metered chat completion (architecture §3): price the worst case, hold it, serve from the
 * cache or call the upstream (with retries, outside any transaction), capture the actual usage
 * and release the rest. Refusals and failures release the hold: they charge nothing.
 */
export async function runChatCompletion(db: Db, call: CompletionCall): Promise<Response> {
  const startedAt = performance.now();
  const prepared = prepareCompletion(call.body, call.options);
  const upstream = resolveUpstreamOrThrow(prepared.price);
  const { caller } = call;
  const timer = call.timer ?? new PhaseTimer();
  timer.mark("prepare");

  const idempotent = call.onFinalResponse !== undefined;
  const { hold, requestId, fromPool, onSettleSubmitted } = await holdForRequest(db, { caller, requestId: call.requestId, idempotent, adoptRequestId: call.adoptRequestId }, prepared);
  timer.mark(fromPool ? "reserve-ahead" : "reserve");
  const settlement = new Settlement(db, {
    accountId: caller.accountId,
    requestId,
    userId: caller.userId,
    apiKeyId: caller.apiKeyId,
    action: prepared.action,
    price: prepared.price,
    startedAt,
    hold,
    onSettleSubmitted,
  });
  const baseHeaders: Record<string, string> = { [HEADER.requestId]: requestId, [HEADER.creditsHeld]: String(hold.credits) };

  try {
    const cacheKey = prepared.cache.enabled ? { accountId: caller.accountId, model: prepared.price.id, requestHash: cacheRequestHash(call.body) } : null;
    if (cacheKey) {
      const cached = await findCachedCompletion(db, cacheKey);
      if (cached) return await serveCacheHit(call, requestId, prepared, settlement, cached, baseHeaders);
      baseHeaders[HEADER.cache] = "miss";
    }
    const config = getGatewayConfig();
    // A plain API-key call is answered without waiting for its capture's commit when the charge is
    // known (Settlement.charge). The answer waits with an Idempotency-Key (a retry must find the
    // stored outcome), with the cache (the next identical request must find the entry) and for a
    // signed-in session (the playground reads the new balance as soon as the reply ends).
    const answerFirst = caller.via === "api_key" && call.onFinalResponse === undefined && cacheKey === null;
    if (prepared.stream) {
      const opened = await openUpstreamStream({ upstream, body: prepared.upstreamBody, signal: call.signal, policy: config.retry });
      timer.mark("upstream-headers");
      const hooks: StreamHooks = {
        onComplete: async ({ choices, usage, transcript, receipt }) => {
          if (cacheKey) {
            await storeCachedCompletion(db, { ...cacheKey, response: { object: "chat.completion", choices, usage: usageForClient(usage, 0) }, sourceRequestId: requestId, ttlSeconds: prepared.cache.ttlSeconds });
          }
          await call.onFinalResponse?.({ status: 200, headers: { ...SSE_HEADERS, ...baseHeaders }, body: transcript, stream: true }, receipt);
        },
        // Cut after the charge (client left, upstream broke): the key keeps the partial result that
        // was charged, so a retry replays it instead of paying again. Not charged: the key is given back.
        onIncomplete: async (charged) => {
          if (!charged) return call.onStreamAbandoned?.();
          const replay = partialStreamReplay({ requestId, model: prepared.price.id, separateUsageChunk: prepared.clientWantsUsageChunk, ...charged });
          await call.onFinalResponse?.({ status: 200, headers: { ...SSE_HEADERS, ...baseHeaders, ...replay.headers }, body: replay.body, stream: true }, charged.receipt);
        },
      };
      const body = streamCompletion({ requestId, prepared, upstream: opened, settlement, clientSignal: call.signal, idleTimeoutMs: config.streamIdleTimeoutMs, keepTranscript: call.onFinalResponse !== undefined, answerFirst, hooks });
      return pushedTextResponse(body, { status: 200, headers: { ...SSE_HEADERS, ...baseHeaders, [HEADER.attempts]: String(opened.attempts), "server-timing": timer.header() } });
    }

    const { json, attempts } = await callUpstreamJson({ upstream, body: prepared.upstreamBody, signal: call.signal, policy: config.retry });
    timer.mark("upstream");
    const usage = usageFromUpstream(json.usage) ?? countedUsage(prepared, json);
    const charged = await settlement.charge({ usage, status: "succeeded" }, { answerFirst });
    timer.mark("capture");
    const completion = shapeCompletion(json, { requestId, model: prepared.price.id, usage, creditsCharged: charged.chargedCredits });
    // From here the customer has been charged: storing the answer must not turn it into an error.
    if (cacheKey) {
      await bestEffort("cache store", () => storeCachedCompletion(db, { ...cacheKey, response: { ...completion, usage: usageForClient(usage, 0) }, sourceRequestId: requestId, ttlSeconds: prepared.cache.ttlSeconds }));
    }
    const headers = { "content-type": "application/json", ...baseHeaders, [HEADER.creditsCharged]: String(charged.chargedCredits), [HEADER.attempts]: String(attempts), "server-timing": timer.header() };
    const text = JSON.stringify(completion);
    await bestEffort("idempotency store", async () => call.onFinalResponse?.({ status: 200, headers, body: text, stream: false }, charged));
    return textResponse(text, { status: 200, headers });
  } catch (e) {
    if (!settlement.settled) {
      await settlement.release(e instanceof ClientAbortedError ? "client_aborted" : e instanceof AppError ? e.code : "error").catch((err) => console.error(`gateway: release of ${requestId} failed; the sweeper will`, err));
    }
    throw e;
  }
}

async function serveCacheHit(
  call: CompletionCall,
  requestId: string,
  prepared: PreparedCompletion,
  settlement: Settlement,
  cached: Record<string, unknown>,
  baseHeaders: Record<string, string>,
): Promise<Response> {
  const usage = usageFromUpstream(cached.usage) ?? { inputTokens: prepared.inputTokens, outputTokens: 0, cachedTokens: 0 };
  const receipt = await settlement.capture({ usage, status: "succeeded", cacheHit: true });
  if (receipt.chargedCredits !== 0) throw new AppError("internal", "A cache hit was charged; refusing to serve it");
  const headers: Record<string, string> = { ...baseHeaders, [HEADER.cache]: "hit", [HEADER.creditsCharged]: "0" };
  const clientUsage = { ...usageForClient(usage, 0), cache_hit: true };
  let response: StoredResponse;
  if (prepared.stream) {
    const body = completionAsSse(cached, { requestId, model: prepared.price.id, usage: clientUsage, separateUsageChunk: prepared.clientWantsUsageChunk });
    response = { status: 200, headers: { ...SSE_HEADERS, ...headers }, body, stream: true };
  } else {
    const body = JSON.stringify({ ...cached, id: requestId, object: "chat.completion", created: Math.floor(Date.now() / 1000), model: prepared.price.id, usage: clientUsage });
    response = { status: 200, headers: { "content-type": "application/json", ...headers }, body, stream: false };
  }
  await bestEffort("idempotency store", async () => call.onFinalResponse?.(response, receipt));
  return textResponse(response.body, { status: response.status, headers: response.headers });
}

/** Work after the charge that must not fail the request: logged, not thrown. */
async function bestEffort(what: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (e) {
    console.error(`gateway: ${what} failed after the request was charged; answering anyway`, e);
  }
}

/** No usage from the upstream: count the prompt ourselves and the text it returned. */
function countedUsage(prepared: PreparedCompletion, json: Record<string, unknown>) {
  const choices = Array.isArray(json.choices) ? json.choices : [];
  let text = "";
  for (const c of choices) {
    const message = (c as { message?: { content?: unknown; tool_calls?: unknown } }).message;
    if (typeof message?.content === "string") text += message.content;
    if (message?.tool_calls) text += JSON.stringify(message.tool_calls);
  }
  return { inputTokens: prepared.inputTokens, outputTokens: countTextTokens(text), cachedTokens: 0 };
}
