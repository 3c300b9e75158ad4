import { getDb, type Db } from "@/db/client";
import { getGatewayConfig } from "@/lib/config/gateway";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { configureApiKeyCache } from "@/lib/api-keys/key-cache";
import { configureKeySettingsCache } from "../key-settings";
import { TokenBucketLimiter } from "../rate-limit";
import { PhaseTimer } from "../timing";
import { ClientAbortedError } from "../upstream/call";
import { authenticateGatewayCaller, type GatewayCaller } from "./authenticate";
import { openAiErrorResponse } from "./openai-error";

/** `requestId` may change once: a completion that takes a hold placed ahead adopts its id (lib/gateway/hold-pool.ts). */
export type GatewayContext<P> = { caller: GatewayCaller; db: Db; requestId: string; params: P; timer: PhaseTimer };
type Handler<P> = (req: Request, ctx: GatewayContext<P>) => Promise<Response>;

export const REQUEST_ID_HEADER = "x-request-id";
const CREDITS_HEADER = "x-credits-charged";

let limiter: TokenBucketLimiter | undefined;
/** Built on first use from the config: the limiter and the TTL of the in-process lookup caches. */
function getLimiter(): TokenBucketLimiter {
  if (!limiter) {
    const config = getGatewayConfig();
    configureApiKeyCache({ ttlMs: config.keyCacheTtlMs });
    configureKeySettingsCache({ ttlMs: config.keyCacheTtlMs });
    limiter = new TokenBucketLimiter(config.rateLimit);
  }
  return limiter;
}
/** Tests change the limits between files. */
export function resetGatewayLimiterForTests(): void {
  limiter = undefined;
}

/**
 * The wrapper for /api/v1 gateway routes (the OpenAI-compatible surface): a request id on every
 * response, API-key auth (session only where allowed), the per-caller rate limit, and errors in
 * OpenAI's shape. The rest of the app uses lib/http/with-account.ts and its own error shape.
 */
export function withGateway<P = Record<string, never>>(handler: Handler<P>, options: { session?: boolean } = {}) {
  return async (req: Request, route?: { params: Promise<P> }): Promise<Response> => {
    const requestId = newId("req");
    const timer = new PhaseTimer();
    let ctx: GatewayContext<P> | undefined;
    try {
      const db = getDb();
      const caller = await authenticateGatewayCaller(db, req, { session: options.session ?? false });
      const decision = getLimiter().take(caller.apiKeyId ?? `user:${caller.userId}`);
      if (!decision.allowed) {
        return openAiErrorResponse(new AppError("rate_limited", `Rate limit reached for this API key; retry in ${decision.retryAfterSeconds}s`), {
          [REQUEST_ID_HEADER]: requestId,
          [CREDITS_HEADER]: "0",
          "retry-after": String(decision.retryAfterSeconds),
        });
      }
      timer.mark("auth");
      const params = (route ? await route.params : {}) as P;
      ctx = { caller, db, requestId, params, timer };
      const res = await handler(req, ctx);
      if (!res.headers.has(REQUEST_ID_HEADER)) res.headers.set(REQUEST_ID_HEADER, ctx.requestId);
      // Streams report their charge in the final chunk; everything else that charged set the header.
      if (!res.headers.has(CREDITS_HEADER) && !res.headers.get("content-type")?.startsWith("text/event-stream")) res.headers.set(CREDITS_HEADER, "0");
      return res;
    } catch (e) {
      const headers = { [REQUEST_ID_HEADER]: ctx?.requestId ?? requestId, [CREDITS_HEADER]: "0" };
      // Nobody is listening any more; the status only shows in access logs (nginx's "client closed").
      if (e instanceof ClientAbortedError) return new Response(null, { status: 499, headers });
      // Nothing is ever charged on an error path: a failure after the capture is not thrown.
      return openAiErrorResponse(e, headers);
    }
  };
}
