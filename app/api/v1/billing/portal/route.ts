import { billingDeps } from "@/lib/billing/runtime";
import { createPortalLink } from "@/lib/billing/subscriptions";
import { withAccount } from "@/lib/http/with-account";

/** POST /api/v1/billing/portal → { url } of Stripe's customer portal. */
export const POST = withAccount(async (_req, { account }) => Response.json(await createPortalLink(billingDeps(), account)), { session: true, minRole: "admin" });
