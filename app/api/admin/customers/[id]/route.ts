import { getCustomerDetail } from "@/lib/admin/customer";
import { withPlatformAdmin } from "@/lib/admin/http/with-platform-admin";

/** Platform admins: one customer's usage, grants, journal, holds, invoices, notifications, audit log. */
export const GET = withPlatformAdmin<{ id: string }>(async (_req, { admin, db, params }) => Response.json(await getCustomerDetail(db, admin, params.id)));
