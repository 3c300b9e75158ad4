import { searchCustomers } from "@/lib/admin/customers";
import { withPlatformAdmin } from "@/lib/admin/http/with-platform-admin";
import { searchSchema } from "@/lib/admin/schemas";

/** Platform admins: search customers by name, account id or member email (`?q=`). */
export const GET = withPlatformAdmin(async (req, { admin, db }) => {
  const { q } = searchSchema.parse({ q: new URL(req.url).searchParams.get("q") ?? undefined });
  return Response.json({ customers: await searchCustomers(db, admin, { q }) });
});
