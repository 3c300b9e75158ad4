import { listOpenDivergences } from "@/lib/billing/reconcile";
import { withPlatformAdmin } from "@/lib/admin/http/with-platform-admin";

/**
 * GET /api/admin/billing/divergences — open reconciliation findings (ledger overage vs Stripe's
 * meter summaries differing by more than 1%), for platform admins (ADMIN_EMAILS); anyone else
 * gets the console's 404.
 */
export const GET = withPlatformAdmin(async (_req, { db }) => Response.json({ data: await listOpenDivergences(db) }));
