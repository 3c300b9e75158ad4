import { getDb } from "@/db/client";
import { listOpenDivergences } from "@/lib/billing/reconcile";
import { readCookie } from "@/lib/auth/cookies";
import { resolveIdentity } from "@/lib/auth/identity-resolver";
import { SESSION_COOKIE } from "@/lib/auth/local/sessions";
import { AppError } from "@/lib/errors";
import { errorResponse } from "@/lib/http/errors";

/**
 * GET /api/admin/billing/divergences — open reconciliation findings (ledger overage vs Stripe's
 * meter summaries differing by more than 1%), for platform admins (ADMIN_EMAILS).
 */
export async function GET(req: Request) {
  try {
    const db = getDb();
    const identity = await resolveIdentity(db, readCookie(req.headers.get("cookie"), SESSION_COOKIE));
    if (!identity) throw new AppError("unauthenticated", "Sign in to continue");
    if (!identity.isPlatformAdmin) throw new AppError("forbidden", "Platform admins only");
    return Response.json({ data: await listOpenDivergences(db) });
  } catch (e) {
    return errorResponse(e);
  }
}
