import { parseJsonBody } from "@/lib/http/parse";
import { withAccount } from "@/lib/http/with-account";
import { resumeSchema } from "@/lib/protection/schemas";
import { resumeAccountBreaker } from "@/lib/protection/status";

/** Owners and admins resume after a circuit-breaker trip (signed in; audited; cautious mode follows). */
export const POST = withAccount(
  async (req, { account, db }) => {
    const { reason } = await parseJsonBody(req, resumeSchema);
    const r = await resumeAccountBreaker(db, account, reason);
    return Response.json({ resumed: r.resumed, cautiousUntil: r.cautiousUntil });
  },
  { session: true, minRole: "admin" },
);
