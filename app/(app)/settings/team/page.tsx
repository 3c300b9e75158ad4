import type { Metadata } from "next";
import { getDb } from "@/db/client";
import { requireAccountContext } from "@/lib/auth/server";
import { listMembers } from "@/lib/accounts/members";
import { listOpenInvites } from "@/lib/accounts/invites";
import { hasRole } from "@/lib/accounts/roles";
import { PageHeader } from "@/components/ui/page-header";
import { Card, CardHeader } from "@/components/ui/card";
import { CreateTeamForm } from "@/components/team/create-team-form";
import { InviteForm } from "@/components/team/invite-form";
import { MembersTable } from "@/components/team/members-table";
import { InvitesTable } from "@/components/team/invites-table";
import { createTeamAction } from "../../actions";
import { changeRoleAction, inviteMemberAction, removeMemberAction, revokeInviteAction } from "./actions";

export const metadata: Metadata = { title: "Team" };

export default async function TeamPage() {
  const { account, ctx } = await requireAccountContext();
  const db = getDb();
  const [members, invites] = await Promise.all([listMembers(db, account.id), account.kind === "team" ? listOpenInvites(db, account.id) : []]);
  const canManage = hasRole(ctx.role, "admin");
  return (
    <>
      <PageHeader title="Team" description={`${account.name} · you are ${ctx.role === "owner" ? "an owner" : `a${ctx.role === "admin" ? "n" : ""} ${ctx.role}`}`} />
      <div className="grid gap-6">
        {account.kind === "team" ? (
          <>
            <Card>
              <CardHeader title="Members" description={`${members.length} ${members.length === 1 ? "person" : "people"}`} />
              <MembersTable members={members} currentUserId={ctx.userId} canManage={canManage} actorRole={ctx.role} removeAction={removeMemberAction} changeRoleAction={changeRoleAction} />
            </Card>
            {canManage ? (
              <Card>
                <CardHeader title="Invite a member" description="They join this team when they open the link signed in with that email." />
                <InviteForm action={inviteMemberAction} canInviteOwners={ctx.role === "owner"} />
              </Card>
            ) : null}
            <Card>
              <CardHeader title="Pending invites" />
              <InvitesTable invites={invites} canManage={canManage} revokeAction={revokeInviteAction} />
            </Card>
          </>
        ) : (
          <Card>
            <CardHeader title="This is your personal account" description="Create a team to share credits, API keys and limits with others." />
          </Card>
        )}
        <Card>
          <CardHeader title="Create a team" description="You become its owner. Switch between accounts with the menu at the top." />
          <CreateTeamForm action={createTeamAction} />
        </Card>
      </div>
    </>
  );
}
