import type { Db } from "@/db/client";
import { AppError } from "@/lib/errors";
import { authenticateApiKey } from "@/lib/api-keys/keys";
import { resolveCurrentAccount } from "@/lib/accounts/memberships";
import type { AccountContext } from "@/lib/accounts/roles";
import { resolveIdentity } from "@/lib/auth/identity-resolver";
import { SESSION_COOKIE } from "@/lib/auth/local/sessions";
import { CURRENT_ACCOUNT_COOKIE, readCookie } from "@/lib/auth/cookies";

export type AuthMethods = { apiKey?: boolean; session?: boolean };

/**
 * Who is calling and on which account. An Authorization header means an API key (and only that);
 * otherwise the signed-in session, on the account chosen by `x-account-id` or the switcher cookie.
 * API keys act with the member role on their own account.
 */
export async function authenticateRequest(db: Db, req: Request, methods: AuthMethods): Promise<AccountContext> {
  const authorization = req.headers.get("authorization");
  if (authorization !== null) {
    if (!methods.apiKey) throw new AppError("unauthenticated", "API keys are not accepted here; sign in instead");
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw new AppError("unauthenticated", "Malformed Authorization header: expected 'Bearer <API key>'");
    const principal = await authenticateApiKey(db, match[1]!);
    return { accountId: principal.accountId, userId: principal.userId, role: "member", via: "api_key", apiKeyId: principal.apiKeyId };
  }
  if (!methods.session) throw new AppError("unauthenticated", "Missing Authorization header: send 'Bearer <API key>'");
  const cookieHeader = req.headers.get("cookie");
  const identity = await resolveIdentity(db, readCookie(cookieHeader, SESSION_COOKIE));
  if (!identity) throw new AppError("unauthenticated", "Sign in to continue");
  const preferred = req.headers.get("x-account-id") ?? readCookie(cookieHeader, CURRENT_ACCOUNT_COOKIE);
  const { current } = await resolveCurrentAccount(db, identity.userId, preferred);
  if (req.headers.get("x-account-id") && current.id !== req.headers.get("x-account-id")) {
    throw new AppError("not_found", "Account not found");
  }
  return { accountId: current.id, userId: identity.userId, role: current.role, via: "session" };
}
