import type { TokenUsage } from "./usage";
import { usageForClient } from "./usage";

export const HEADER = {
  requestId: "x-request-id",
  creditsCharged: "x-credits-charged",
  creditsHeld: "x-credits-held",
  cache: "x-cache",
  attempts: "x-upstream-attempts",
  replayed: "idempotent-replayed",
  /** "partial" on the replay of a stream that was cut after it was charged. */
  completionStatus: "x-completion-status",
} as const;

/**
 * A completion as the client sees it: our request id as `id` (so it can be looked up at
 * /api/v1/receipts/{id}), our model name, and usage with the credits charged.
 */
export function shapeCompletion(
  upstream: Record<string, unknown>,
  meta: { requestId: string; model: string; usage: TokenUsage; creditsCharged: number },
): Record<string, unknown> {
  return {
    ...upstream,
    id: meta.requestId,
    object: "chat.completion",
    created: typeof upstream.created === "number" ? upstream.created : Math.floor(Date.now() / 1000),
    model: meta.model,
    usage: usageForClient(meta.usage, meta.creditsCharged, upstream.usage),
  };
}

const rawBodies = new WeakMap<Response, string>();

/**
 * Set once by the front server (tools/front-server/server.ts): in its process every gateway
 * response is written by it, from the remembered string, so the Response needs no body of its own.
 * Giving a Response a string body builds a web ReadableStream around it: ≈ 26 µs per response
 * against ≈ 2–3 µs without (warm, measured on this project's machine), ≈ 4 % of the front server's
 * CPU per metered call. Next's process never sets it, so there every Response carries its body.
 */
let bodiesWrittenFromString = false;
export function writeTextBodiesFromString(): void {
  bodiesWrittenFromString = true;
}

/**
 * A Response whose body is `body`, remembered: the front server (tools/front-server) writes it
 * straight to the socket with its length instead of reading it back through a web stream. Next
 * sees an ordinary Response.
 */
export function textResponse(body: string, init: ResponseInit): Response {
  const response = new Response(bodiesWrittenFromString ? null : body, init);
  rawBodies.set(response, body);
  return response;
}

/** The string a textResponse was built from; undefined for any other Response. */
export function rawBodyOf(response: Response): string | undefined {
  return rawBodies.get(response);
}

export function sseData(value: unknown): string {
  return `data: ${typeof value === "string" ? value : JSON.stringify(value)}\n\n`;
}

export const SSE_DONE = "data: [DONE]\n\n";

export const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", connection: "keep-alive" };

/**
 * A cached completion replayed as a stream: one chunk per choice with the whole message, the
 * usage (on the finishing chunk, or as OpenAI's separate usage chunk when the client asked for
 * include_usage), then [DONE].
 */
export function completionAsSse(completion: Record<string, unknown>, meta: { requestId: string; model: string; usage: Record<string, unknown>; separateUsageChunk: boolean }): string {
  const created = Math.floor(Date.now() / 1000);
  const base = { id: meta.requestId, object: "chat.completion.chunk", created, model: meta.model };
  const choices = Array.isArray(completion.choices) ? (completion.choices as Record<string, unknown>[]) : [];
  let out = "";
  choices.forEach((choice, i) => {
    const message = (choice.message ?? {}) as Record<string, unknown>;
    const delta: Record<string, unknown> = { role: message.role ?? "assistant", content: message.content ?? null };
    if (Array.isArray(message.tool_calls)) delta.tool_calls = message.tool_calls.map((t, index) => ({ index, ...(t as object) }));
    const last = i === choices.length - 1;
    const chunk: Record<string, unknown> = { ...base, choices: [{ index: choice.index ?? i, delta, finish_reason: choice.finish_reason ?? "stop", logprobs: null }] };
    if (last && !meta.separateUsageChunk) chunk.usage = meta.usage;
    out += sseData(chunk);
  });
  if (meta.separateUsageChunk) out += sseData({ ...base, choices: [], usage: meta.usage });
  return out + SSE_DONE;
}
