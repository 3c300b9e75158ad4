import { setCustomerStatus } from "@/lib/admin/actions";
import { withPlatformAdmin } from "@/lib/admin/http/with-platform-admin";
import { accountStatusSchema } from "@/lib/admin/schemas";
import { parseJsonBody } from "@/lib/http/parse";

/** Platform admins: freeze or unfreeze a customer, with a reason; audited. */
export const POST = withPlatformAdmin<{ id: string }>(async (req, { admin, db, params }) => {
  const input = await parseJsonBody(req, accountStatusSchema);
  await setCustomerStatus(db, admin, { accountId: params.id, ...input });
  return Response.json({ accountId: params.id, status: input.status });
});
