import { getBillingOverview } from "@/lib/billing/overview";
import { withAccount } from "@/lib/http/with-account";

/** GET /api/v1/billing — plan, balance, subscription, invoices, purchases, auto-recharge. */
export const GET = withAccount(async (_req, { account, db }) => Response.json(await getBillingOverview(db, account.accountId)), { session: true, apiKey: true });
