import { withPlatformAdmin } from "@/lib/admin/http/with-platform-admin";
import { getPlatformOverview } from "@/lib/admin/overview";

/** Platform admins: accounts, credits per day, revenue by source, flags, divergences, trips. */
export const GET = withPlatformAdmin(async (_req, { admin, db }) => Response.json(await getPlatformOverview(db, admin)));
