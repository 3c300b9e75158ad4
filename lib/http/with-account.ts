import { getDb, type Db } from "@/db/client";
import type { Role } from "@/db/schema";
import { assertRole, type AccountContext } from "@/lib/accounts/roles";
import { authenticateRequest, type AuthMethods } from "./authenticate";
import { errorResponse } from "./errors";

type RouteContext<P> = { params: Promise<P> };
type Handler<P> = (req: Request, ctx: { account: AccountContext; params: P; db: Db }) => Promise<Response>;

/**
 * The one wrapper for route handlers: authenticate (API key and/or session), load the account
 * through membership, check the role, run the handler, map any error to a JSON response.
 */
export function withAccount<P = Record<string, never>>(
  handler: Handler<P>,
  options: AuthMethods & { minRole?: Role } = { apiKey: true, session: true },
) {
  return async (req: Request, route?: RouteContext<P>): Promise<Response> => {
    try {
      const db = getDb();
      const account = await authenticateRequest(db, req, options);
      if (options.minRole) assertRole(account.role, options.minRole);
      const params = (route ? await route.params : {}) as P;
      return await handler(req, { account, params, db });
    } catch (e) {
      return errorResponse(e);
    }
  };
}
