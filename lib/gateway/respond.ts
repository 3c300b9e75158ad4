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

const RAW_BODY = Symbol("meterline.rawBody");
type WithRawBody = Response & { [RAW_BODY]?: string };

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
  (response as WithRawBody)[RAW_BODY] = body;
  return response;
}

/** The string a textResponse was built from; undefined for any other Response. */
export function rawBodyOf(response: Response): string | undefined {
  return (response as WithRawBody)[RAW_BODY];
}

/** Where a pushed body goes: text as it is produced, then close (or error). write throws once the receiver is gone. */
export type TextSink = { write: (text: string) => void; close: () => void; error: (e: Error) => void };
/** A body produced by pushing text (a stream): started once with its sink; cancel() when the receiver leaves. */
export type TextPushSource = { start: (sink: TextSink) => void; cancel: () => void };

const PUSHED_BODY = Symbol("meterline.pushedBody");
type WithPushedBody = Response & { [PUSHED_BODY]?: TextPushSource };

/**
 * A Response whose body `source` pushes. Where the front server writes the responses
 * (writeTextBodiesFromString), it writes what the source pushes straight to the socket
 * (pushedBodyOf); elsewhere (Next) the body is an ordinary ReadableStream over the source. A web
 * stream per response, a promise per chunk read back out of it and the Response around it were
 * ≈ 20 % of the front server's CPU per streamed call (profiled at 32 clients).
 */
export function pushedTextResponse(source: TextPushSource, init: ResponseInit): Response {
  if (bodiesWrittenFromString) {
    const response = new Response(null, init);
    (response as WithPushedBody)[PUSHED_BODY] = source;
    return response;
  }
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      source.start({ write: (text) => controller.enqueue(encoder.encode(text)), close: () => controller.close(), error: (e) => controller.error(e) });
    },
    cancel() {
      source.cancel();
    },
  });
  return new Response(body, init);
}

/** The source a pushedTextResponse was built from, where the front server writes it; undefined otherwise. */
export function pushedBodyOf(response: Response): TextPushSource | undefined {
  return (response as WithPushedBody)[PUSHED_BODY];
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
