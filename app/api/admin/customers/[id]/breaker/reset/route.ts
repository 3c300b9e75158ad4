import { resetCustomerBreaker } from "@/lib/admin/actions";
import { withPlatformAdmin } from "@/lib/admin/http/with-platform-admin";
import { resetBreakerSchema } from "@/lib/admin/schemas";
import { parseJsonBody } from "@/lib/http/parse";

/** Platform admins: reset a customer's circuit breaker (no cautious mode), with a reason; audited. */
export const POST = withPlatformAdmin<{ id: string }>(async (req, { admin, db, params }) => {
  const { reason } = await parseJsonBody(req, resetBreakerSchema);
  return Response.json(await resetCustomerBreaker(db, admin, { accountId: params.id, reason }));
});
