import type { GatewayConfig } from "@/lib/config/gateway";
import { AppError } from "@/lib/errors";
import type { Upstream } from "./resolve";
import { backoffDelayMs, isRetryableStatus, sleep } from "./retry";
import { postUpstream, type UpstreamRequest, type UpstreamResponse } from "./transport";

/** The client went away: stop, do not retry, do not answer. */
export class ClientAbortedError extends Error {
  constructor() {
    super("client aborted the request");
    this.name = "ClientAbortedError";
  }
}

type Attempt<T> = { ok: true; value: T } | { ok: false; retryable: boolean; status?: number; retryAfter?: string | null; message: string };

type CallOptions = {
  upstream: Upstream;
  body: Record<string, unknown>;
  /** Aborts when the client disconnects. */
  signal: AbortSignal;
  policy: GatewayConfig["retry"];
};

export type UpstreamJson = { json: Record<string, unknown>; attempts: number };
export type UpstreamStream = { chunks: AsyncIterable<Uint8Array>; attempts: number; abort: (reason?: Error) => void };

/**
 * Non-streaming call with retries. The per-attempt timeout covers the whole body. Only the
 * successful attempt's usage is ever billed (the caller bills from the returned JSON); failed
 * attempts are not billed at all.
 */
export async function callUpstreamJson(options: CallOptions): Promise<UpstreamJson> {
  return withRetries(options, async (post) => {
    const res = await post();
    if (!res.ok) return failure(res, await res.text().catch(() => ""));
    const text = await res.text();
    try {
      return { ok: true, value: JSON.parse(text) as Record<string, unknown> };
    } catch {
      return { ok: false, retryable: true, message: "upstream sent an unreadable JSON body" };
    }
  }).then(({ value, attempts }) => ({ json: value, attempts }));
}

/**
 * Opens a streaming call with retries. Retrying is only safe until the first byte reaches the
 * client, so an attempt succeeds as soon as the upstream answers 200 with headers; the body is
 * read by the caller, which owns `abort()` from then on.
 */
export async function openUpstreamStream(options: CallOptions): Promise<UpstreamStream> {
  const { value, attempts, cancel } = await withRetries(
    options,
    async (post) => {
      const res = await post();
      if (!res.ok) return failure(res, await res.text().catch(() => ""));
      return { ok: true, value: res.chunks() };
    },
    { timeoutCoversBody: false },
  );
  return { chunks: value, attempts, abort: (reason) => cancel(reason ?? new ClientAbortedError()) };
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the policy's attempts are spent. Each
 * attempt's request is cancelled (destroyed) by its own timeout or when the client leaves; the
 * client's abort signal gets one listener per call, not one per attempt.
 */
async function withRetries<T>(
  options: CallOptions,
  attempt: (post: () => Promise<UpstreamResponse>) => Promise<Attempt<T>>,
  { timeoutCoversBody = true } = {},
): Promise<{ value: T; attempts: number; cancel: (reason: Error) => void }> {
  const { policy, signal: clientSignal } = options;
  let current: UpstreamRequest | undefined;
  const cancel = (reason: Error) => current?.cancel(reason);
  const onClientAbort = () => cancel(new ClientAbortedError());
  clientSignal.addEventListener("abort", onClientAbort, { once: true });
  const send = upstreamPoster(options);
  const post = () => {
    current = send();
    return current.response;
  };
  let last: Exclude<Attempt<T>, { ok: true }> | undefined;
  let opened = false;
  try {
    for (let n = 1; n <= policy.attempts; n++) {
      if (clientSignal.aborted) throw new ClientAbortedError();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        cancel(new Error("attempt timed out"));
      }, policy.attemptTimeoutMs);
      let result: Attempt<T>;
      try {
        result = await attempt(post);
      } catch (e) {
        if (clientSignal.aborted) throw new ClientAbortedError();
        // Network errors and our own timeout: the provider may answer the next attempt.
        result = { ok: false, retryable: true, message: timedOut ? "timed out" : describe(e) };
      } finally {
        clearTimeout(timer);
      }
      if (result.ok) {
        opened = true;
        return { value: result.value, attempts: n, cancel };
      }
      last = result;
      if (!result.retryable || n === policy.attempts) break;
      try {
        await sleep(backoffDelayMs(n, policy, result.retryAfter), clientSignal);
      } catch {
        throw new ClientAbortedError();
      }
    }
  } finally {
    // An opened stream keeps listening: its body is still being read and must stop if the client leaves.
    if (timeoutCoversBody || !opened) clientSignal.removeEventListener("abort", onClientAbort);
  }
  throw upstreamError(last!, options);
}

/** Sends this call's request: the URL, headers and body are built once, whatever the number of attempts. */
function upstreamPoster(options: CallOptions): () => UpstreamRequest {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream" };
  if (options.upstream.apiKey) headers.authorization = `Bearer ${options.upstream.apiKey}`;
  const url = `${options.upstream.baseUrl}/chat/completions`;
  const body = JSON.stringify(options.body);
  return () => postUpstream(url, headers, body);
}

function failure(res: UpstreamResponse, text: string): Attempt<never> {
  return { ok: false, retryable: isRetryableStatus(res.status), status: res.status, retryAfter: res.header("retry-after"), message: upstreamMessage(text) };
}

/**
 * What the caller is told. A 400/422 from the provider is about the request, so the caller gets
 * it (400) with the provider's message; everything else is the provider's failure (502).
 */
function upstreamError(last: Exclude<Attempt<unknown>, { ok: true }>, options: CallOptions): AppError {
  const where = `${options.upstream.name} upstream`;
  if (last.status === 400 || last.status === 422) {
    return new AppError("bad_request", `The model provider rejected the request: ${last.message}`, { details: { upstreamStatus: last.status } });
  }
  console.error(`gateway: ${where} failed${last.status ? ` with ${last.status}` : ""}: ${last.message}`);
  return new AppError("upstream_failed", `The model provider failed to answer${last.status ? ` (HTTP ${last.status})` : ""}; nothing was charged. Please retry.`, {
    details: { upstreamStatus: last.status ?? null },
  });
}

function upstreamMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === "string") return parsed.error.message.slice(0, 500);
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 500) || "no details";
}

function describe(e: unknown): string {
  if (e instanceof Error) return (e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message).slice(0, 300);
  return String(e);
}
