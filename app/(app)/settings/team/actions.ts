"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getDb } from "@/db/client";
import { createInvite, revokeInvite } from "@/lib/accounts/invites";
import { changeMemberRole, removeMember } from "@/lib/accounts/members";
import { inviteUrl } from "@/lib/accounts/invite-url";
import { inviteSchema, roleSchema } from "@/lib/accounts/schemas";
import { accountAction } from "@/lib/http/action";

export const inviteMemberAction = accountAction(inviteSchema, { minRole: "admin" }, async (input, ctx) => {
  const { invite, token } = await createInvite(getDb(), ctx, input);
  revalidatePath("/settings/team");
  // No email service in the sandbox: the link is shown to the inviter to pass on.
  return { ok: true, message: `Invite created for ${invite.email}`, data: { url: inviteUrl(token) } };
});

export const revokeInviteAction = accountAction(z.object({ inviteId: z.string().min(1) }), { minRole: "admin" }, async ({ inviteId }, ctx) => {
  await revokeInvite(getDb(), ctx, inviteId);
  revalidatePath("/settings/team");
  return { ok: true, message: "Invite revoked" };
});

export const removeMemberAction = accountAction(z.object({ userId: z.string().min(1) }), {}, async ({ userId }, ctx) => {
  await removeMember(getDb(), ctx, userId);
  revalidatePath("/settings/team");
  return { ok: true, message: "Member removed" };
});

export const changeRoleAction = accountAction(z.object({ userId: z.string().min(1), role: roleSchema }), { minRole: "admin" }, async ({ userId, role }, ctx) => {
  await changeMemberRole(getDb(), ctx, userId, role);
  revalidatePath("/settings/team");
  return { ok: true, message: "Role updated" };
});
