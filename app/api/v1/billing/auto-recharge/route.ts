import { getAutoRecharge, setAutoRecharge } from "@/lib/billing/auto-recharge";
import { autoRechargeSchema } from "@/lib/billing/schemas";
import { parseJsonBody } from "@/lib/http/parse";
import { withAccount } from "@/lib/http/with-account";

/** PUT /api/v1/billing/auto-recharge { enabled, thresholdCredits, packKey } → the settings. */
export const PUT = withAccount(
  async (req, { account, db }) => {
    const input = await parseJsonBody(req, autoRechargeSchema);
    await setAutoRecharge(db, account, input);
    return Response.json(await getAutoRecharge(db, account.accountId));
  },
  { session: true, minRole: "admin" },
);
