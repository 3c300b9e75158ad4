import type { Db } from "@/db/client";
import { authenticateApiKeyCached } from "@/lib/api-keys/key-cache";
import { AppError } from "@/lib/errors";
import { authenticateRequest } from "@/lib/http/authenticate";
import { accountFrozenError } from "@/lib/protection";

/** Who pays for a gateway call. */
export type GatewayCaller = { accountId: string; userId: string; apiKeyId: string | null; via: "api_key" | "session" };

/**
 * `Authorization: Bearer mk_…` (cached lookup, see lib/api-keys/key-cache.ts), or — only where the
 * route allows it, i.e. the playground — the signed-in session.
 */
export async function authenticateGatewayCaller(db: Db, req: Request, options: { session: boolean }): Promise<GatewayCaller> {
  const authorization = req.headers.get("authorization");
  if (authorization === null && options.session) {
    const account = await authenticateRequest(db, req, { session: true });
    return { accountId: account.accountId, userId: account.userId, apiKeyId: null, via: "session" };
  }
  const match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization.trim()) : null;
  if (!match) {
    throw new AppError("unauthenticated", "Missing or malformed Authorization header: send 'Authorization: Bearer <API key>'");
  }
  const principal = await authenticateApiKeyCached(db, match[1]!);
  if (principal.accountStatus === "frozen") throw accountFrozenError(principal.accountId); // protection hook: says why and how to resume
  return { accountId: principal.accountId, userId: principal.userId, apiKeyId: principal.apiKeyId, via: "api_key" };
}
