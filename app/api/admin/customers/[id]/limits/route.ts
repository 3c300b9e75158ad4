import { setCustomerLimits } from "@/lib/admin/actions";
import { withPlatformAdmin } from "@/lib/admin/http/with-platform-admin";
import { adminLimitsSchema } from "@/lib/admin/schemas";
import { parseJsonBody } from "@/lib/http/parse";

/** Platform admins: set a customer's limits, with a reason; audited. */
export const POST = withPlatformAdmin<{ id: string }>(async (req, { admin, db, params }) => {
  const { reason, ...patch } = await parseJsonBody(req, adminLimitsSchema);
  return Response.json(await setCustomerLimits(db, admin, { accountId: params.id, patch, reason }));
});
