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

export type GatewayContext<P> = { caller: GatewayCaller; db: Db; requestId: string; params: P; timer: PhaseTimer };
type Handler<P> = (req: Request, ctx: GatewayContext<P>) => Promise<Response>;

export const REQUEST_ID_HEADER = "x-request-id";

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
    try {
      const db = getDb();
      const caller = await authenticateGatewayCaller(db, req, { session: options.session ?? false });
      const decision = getLimiter().take(caller.apiKeyId ?? `user:${caller.userId}`);
      if (!decision.allowed) {
        return openAiErrorResponse(new AppError("rate_limited", `Rate limit reached for this API key; retry in ${decision.retryAfterSeconds}s`), {
          [REQUEST_ID_HEADER]: requestId,
          "retry-after": String(decision.retryAfterSeconds),
        });
      }
      timer.mark("auth");
      const params = (route ? await route.params : {}) as P;
      const res = await handler(req, { caller, db, requestId, params, timer });
      if (!res.headers.has(REQUEST_ID_HEADER)) res.headers.set(REQUEST_ID_HEADER, requestId);
      return res;
    } catch (e) {
      // Nobody is listening any more; the status only shows in access logs (nginx's "client closed").
      if (e instanceof ClientAbortedError) return new Response(null, { status: 499, headers: { [REQUEST_ID_HEADER]: requestId } });
      return openAiErrorResponse(e, { [REQUEST_ID_HEADER]: requestId });
    }
  };
}
