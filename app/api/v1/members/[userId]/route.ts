import { changeMemberRole, removeMember } from "@/lib/accounts/members";
import { changeRoleSchema } from "@/lib/accounts/schemas";
import { parseJsonBody } from "@/lib/http/parse";
import { withAccount } from "@/lib/http/with-account";

export const PATCH = withAccount<{ userId: string }>(
  async (req, { account, params, db }) => {
    const { role } = await parseJsonBody(req, changeRoleSchema);
    await changeMemberRole(db, account, params.userId, role);
    return Response.json({ userId: params.userId, role });
  },
  { session: true },
);

export const DELETE = withAccount<{ userId: string }>(
  async (_req, { account, params, db }) => {
    await removeMember(db, account, params.userId);
    return Response.json({ userId: params.userId, removed: true });
  },
  { session: true },
);
