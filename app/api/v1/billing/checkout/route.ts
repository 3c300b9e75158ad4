import { createPackCheckout } from "@/lib/billing/checkout";
import { billingDeps } from "@/lib/billing/runtime";
import { buyPackSchema } from "@/lib/billing/schemas";
import { parseJsonBody } from "@/lib/http/parse";
import { withAccount } from "@/lib/http/with-account";

/** POST /api/v1/billing/checkout { packKey } → { url, sessionId }: send the browser to `url`. */
export const POST = withAccount(
  async (req, { account }) => {
    const { packKey } = await parseJsonBody(req, buyPackSchema);
    return Response.json(await createPackCheckout(billingDeps(), account, packKey), { status: 201 });
  },
  { session: true, minRole: "admin" },
);
