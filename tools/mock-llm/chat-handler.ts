/**
 * POST /v1/chat/completions: validation, fault injection, then a JSON or SSE answer.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { chatCompletionRequestSchema, type ChatCompletionRequest } from "./protocol";
import { FaultSyntaxError, headerSettings, resolveFaultPlan, type FaultPlan } from "./faults";
import { injectedFailure, invalidRequest, type HttpError } from "./errors";
import { lastUserMessageText, planCompletion, type CompletionPlan } from "./completion";
import { completionBody, nextCompletionId, streamEvents } from "./responses";
import { sendError, sendJson } from "./http-io";
import type { AttemptTracker } from "./attempt-tracker";

export interface ChatHandlerContext {
  attempts: AttemptTracker;
  tokensPerChunk: number;
  /** Called with every model name requested, so /v1/models can list it. */
  onModel: (model: string) => void;
}

type Parsed = { ok: true; request: ChatCompletionRequest; faults: FaultPlan; headerText: string } | { ok: false; error: HttpError };

function parseRequest(rawBody: string, req: IncomingMessage): Parsed {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return {
      ok: false,
      error: invalidRequest(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
      ),
    };
  }
  const result = chatCompletionRequestSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const param = issue && issue.path.length > 0 ? issue.path.join(".") : null;
    return { ok: false, error: invalidRequest(`Invalid request: ${param ?? "body"}: ${issue?.message ?? "invalid"}`, param) };
  }
  const headerText = headerSettings(req.headers);
  try {
    return { ok: true, request: result.data, faults: resolveFaultPlan(lastUserMessageText(result.data), headerText), headerText };
  } catch (error) {
    if (error instanceof FaultSyntaxError) return { ok: false, error: invalidRequest(error.message) };
    throw error;
  }
}

/** Identical body + identical x-mock headers = the same request being retried. */
function fingerprintOf(rawBody: string, headerText: string): string {
  return createHash("sha1").update(rawBody).update("\0").update(headerText).digest("hex").slice(0, 16);
}

function failureFor(faults: FaultPlan): HttpError {
  const failure = injectedFailure(faults.failStatus);
  if (faults.retryAfterMs === undefined) return failure;
  return {
    ...failure,
    headers: {
      "retry-after-ms": String(faults.retryAfterMs),
      "retry-after": String(Math.ceil(faults.retryAfterMs / 1000)),
    },
  };
}

export function handleChatCompletion(ctx: ChatHandlerContext, req: IncomingMessage, res: ServerResponse, rawBody: string): void {
  const parsed = parseRequest(rawBody, req);
  if (!parsed.ok) return sendError(res, parsed.error);
  const { request, faults } = parsed;
  ctx.onModel(request.model);

  const attempt = ctx.attempts.record(fingerprintOf(rawBody, parsed.headerText));
  if (attempt <= faults.failFirst) return sendError(res, failureFor(faults));
  // Hang: keep the socket open and never write; server.close() destroys it.
  if (faults.hang) return;

  const plan = planCompletion(request, faults);
  const id = nextCompletionId();
  const created = Math.floor(Date.now() / 1000);
  if (request.stream) streamCompletion(ctx, res, plan, faults, id, created, request.stream_options?.include_usage === true);
  else answerCompletion(res, plan, faults, id, created);
}

function answerCompletion(res: ServerResponse, plan: CompletionPlan, faults: FaultPlan, id: string, created: number): void {
  const body = completionBody(plan, id, created, !faults.dropUsage);
  const send = () => {
    if (res.destroyed) return;
    if (faults.cutAfter === undefined) return sendJson(res, 200, body);
    // Non-streaming cut: promise the full length, deliver half, then drop the connection.
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.write(body.slice(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
  };
  if (faults.slowMs <= 0) return send();
  const timer = setTimeout(send, faults.slowMs);
  res.on("close", () => clearTimeout(timer));
}

function streamCompletion(
  ctx: ChatHandlerContext,
  res: ServerResponse,
  plan: CompletionPlan,
  faults: FaultPlan,
  id: string,
  created: number,
  includeUsage: boolean,
): void {
  const events = streamEvents(plan, id, created, {
    includeUsage,
    emitUsageChunk: !faults.dropUsage,
    tokensPerChunk: ctx.tokensPerChunk,
  });
  // A cut stream always ends with a destroyed socket, even if cut_after >= the chunk count.
  const cut = faults.cutAfter !== undefined;
  const contentToSend = cut ? events.content.slice(0, faults.cutAfter) : events.content;
  const tail = cut ? [] : [events.finish, ...(events.usage ? [events.usage] : []), events.done];

  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  // Write `text` and end the exchange: normally, or for a cut by destroying the socket once the
  // text has been flushed (destroying right away could discard the chunks we meant to deliver).
  const writeAndFinish = (text: string) => {
    if (cut) res.write(text, () => res.socket?.destroy());
    else res.end(text);
  };

  if (faults.slowMs <= 0) {
    // Fast path: every event in a single write; still well-formed SSE, one syscall instead of ~60.
    return writeAndFinish(events.opening + contentToSend.join("") + tail.join(""));
  }

  // Slow path: opening immediately (like a real time-to-first-token), then one event per tick.
  const queue = [...contentToSend, ...tail];
  res.write(events.opening);
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const next = queue.shift();
    if (next === undefined) return writeAndFinish("");
    if (queue.length === 0) return writeAndFinish(next);
    res.write(next);
    timer = setTimeout(tick, faults.slowMs);
  };
  timer = setTimeout(tick, faults.slowMs);
  res.on("close", () => clearTimeout(timer));
}
