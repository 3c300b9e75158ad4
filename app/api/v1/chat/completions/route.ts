import { readCompletionRequest } from "@/lib/gateway/http/read-completion-request";
import { withGateway } from "@/lib/gateway/http/with-gateway";
import { runChatCompletionIdempotently } from "@/lib/gateway/idempotent-completion";
import { checkBreakerBeforeHold } from "@/lib/protection";

export const dynamic = "force-dynamic";

/**
 * OpenAI Chat Completions, metered: `Authorization: Bearer <API key>`; optional `Idempotency-Key`,
 * `x-action` (or metadata.action), `x-cache: on` (or metadata.cache) and `x-cache-ttl`.
 * Session auth is accepted too, for the playground.
 */
export const POST = withGateway(
  async (req, ctx) => {
    const { caller, db, timer } = ctx;
    const { body, options } = await readCompletionRequest(db, req, caller);
    timer.mark("parse");
    await checkBreakerBeforeHold(db, caller, body); // circuit breaker: in memory, O(1); a freeze is confirmed against the database first
    const adoptRequestId = (id: string) => void (ctx.requestId = id); // a hold placed ahead brings its own id
    return runChatCompletionIdempotently(db, { caller, requestId: ctx.requestId, body, options, signal: req.signal, timer, adoptRequestId }, req.headers.get("idempotency-key"));
  },
  { session: true },
);
