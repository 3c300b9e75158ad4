import { checkoutStatus } from "@/lib/billing/checkout";
import { billingDeps } from "@/lib/billing/runtime";
import { sessionIdSchema } from "@/lib/billing/schemas";
import { withAccount } from "@/lib/http/with-account";

/**
 * GET /api/v1/billing/checkout/:sessionId → { status: pending|granted|failed, credits, availableCredits }.
 * The success page polls it; it asks Stripe itself when the webhook is late.
 */
export const GET = withAccount<{ sessionId: string }>(
  async (_req, { account, params }) => {
    const sessionId = sessionIdSchema.parse(params.sessionId);
    return Response.json(await checkoutStatus(billingDeps(), account.accountId, sessionId));
  },
  { session: true },
);
