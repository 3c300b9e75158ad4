import { listOpenInvites } from "@/lib/accounts/invites";
import { inviteMember } from "@/lib/accounts/invite-member";
import { inviteSchema } from "@/lib/accounts/schemas";
import { parseJsonBody } from "@/lib/http/parse";
import { withAccount } from "@/lib/http/with-account";

export const GET = withAccount(async (_req, { account, db }) => Response.json({ data: await listOpenInvites(db, account.accountId) }), { session: true });

export const POST = withAccount(
  async (req, { account, db }) => {
    const input = await parseJsonBody(req, inviteSchema);
    const { invite, url, emailed } = await inviteMember(db, account, input);
    return Response.json({ id: invite.id, email: invite.email, role: invite.role, expiresAt: invite.expiresAt, url, emailed }, { status: 201 });
  },
  { session: true },
);
