import { adjustCredits } from "@/lib/admin/actions";
import { withPlatformAdmin } from "@/lib/admin/http/with-platform-admin";
import { adjustCreditsSchema } from "@/lib/admin/schemas";
import { parseJsonBody } from "@/lib/http/parse";

/** Platform admins: grant (credits > 0) or deduct (< 0) credits, with a reason; audited. */
export const POST = withPlatformAdmin<{ id: string }>(async (req, { admin, db, params }) => {
  const input = await parseJsonBody(req, adjustCreditsSchema);
  return Response.json(await adjustCredits(db, admin, { accountId: params.id, ...input }));
});
