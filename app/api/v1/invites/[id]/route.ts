import { revokeInvite } from "@/lib/accounts/invites";
import { withAccount } from "@/lib/http/with-account";

export const DELETE = withAccount<{ id: string }>(
  async (_req, { account, params, db }) => {
    await revokeInvite(db, account, params.id);
    return Response.json({ id: params.id, revoked: true });
  },
  { session: true },
);
