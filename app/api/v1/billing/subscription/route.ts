import { billingDeps } from "@/lib/billing/runtime";
import { planSchema, subscriptionPatchSchema } from "@/lib/billing/schemas";
import { cancelAtPeriodEnd, changePlan, createSubscriptionCheckout, resumeSubscription } from "@/lib/billing/subscriptions";
import { parseJsonBody } from "@/lib/http/parse";
import { withAccount } from "@/lib/http/with-account";

/** POST /api/v1/billing/subscription { plan } → { url }: subscribe through Checkout. */
export const POST = withAccount(
  async (req, { account }) => {
    const { plan } = await parseJsonBody(req, planSchema);
    return Response.json(await createSubscriptionCheckout(billingDeps(), account, plan), { status: 201 });
  },
  { session: true, minRole: "admin" },
);

/** PATCH /api/v1/billing/subscription { plan } | { cancelAtPeriodEnd } — change plan, cancel at period end, resume. */
export const PATCH = withAccount(
  async (req, { account }) => {
    const body = await parseJsonBody(req, subscriptionPatchSchema);
    const deps = billingDeps();
    const result =
      "plan" in body ? await changePlan(deps, account, body.plan) : body.cancelAtPeriodEnd ? await cancelAtPeriodEnd(deps, account) : await resumeSubscription(deps, account);
    return Response.json({ status: result.status, plan: result.plan });
  },
  { session: true, minRole: "admin" },
);
