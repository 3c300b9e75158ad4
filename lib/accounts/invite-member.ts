import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accounts, users, type Role } from "@/db/schema";
import type { AccountContext } from "./roles";
import { createInvite } from "./invites";
import { sendInviteEmail } from "./invite-email";
import { inviteUrl } from "./invite-url";

/**
 * Creates the invite and emails the link. The link is also returned: with no email service
 * configured (the sandbox) the inviter passes it on by hand.
 */
export async function inviteMember(db: Db, actor: AccountContext, input: { email: string; role: Role }) {
  const { invite, token } = await createInvite(db, actor, input);
  const [[account], [inviter]] = await Promise.all([
    db.select({ name: accounts.name }).from(accounts).where(eq(accounts.id, actor.accountId)),
    db.select({ name: users.name }).from(users).where(eq(users.id, actor.userId)),
  ]);
  const sent = await sendInviteEmail(db, { email: invite.email, accountName: account!.name, inviterName: inviter!.name, role: invite.role, token });
  return { invite, url: inviteUrl(token), emailed: sent.delivered };
}
