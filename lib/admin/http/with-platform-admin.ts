import { getDb, type Db } from "@/db/client";
import { resolveIdentity } from "@/lib/auth/identity-resolver";
import { SESSION_COOKIE } from "@/lib/auth/local/sessions";
import { readCookie } from "@/lib/auth/cookies";
import { errorResponse } from "@/lib/http/errors";
import { asPlatformAdminOr404, type PlatformAdmin } from "../authz";

type RouteContext<P> = { params: Promise<P> };
type Handler<P> = (req: Request, ctx: { admin: PlatformAdmin; params: P; db: Db }) => Promise<Response>;

/**
 * The wrapper for /api/admin routes: the signed-in session (API keys are never admins) must be a
 * platform admin; anyone else — signed out included — gets the same 404 as an unknown URL.
 */
export function withPlatformAdmin<P = Record<string, never>>(handler: Handler<P>) {
  return async (req: Request, route?: RouteContext<P>): Promise<Response> => {
    try {
      const db = getDb();
      const identity = req.headers.has("authorization") ? null : await resolveIdentity(db, readCookie(req.headers.get("cookie"), SESSION_COOKIE));
      const admin = asPlatformAdminOr404(identity);
      const params = (route ? await route.params : {}) as P;
      return await handler(req, { admin, params, db });
    } catch (e) {
      return errorResponse(e);
    }
  };
}
