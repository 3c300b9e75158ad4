import type { Role } from "@/db/schema";
import type { ActionResult } from "@/lib/http/action";
import { ActionButton } from "@/components/ui/action-button";
import { Badge } from "@/components/ui/badge";
import { formatDate } from "@/components/ui/format";
import { RoleSelect } from "./role-select";

type Member = { userId: string; name: string; email: string; role: Role; joinedAt: Date };
type Action = (prev: ActionResult, form: FormData) => Promise<ActionResult>;

export function MembersTable({ members, currentUserId, canManage, actorRole, removeAction, changeRoleAction }: {
  members: Member[]; currentUserId: string; canManage: boolean; actorRole: Role; removeAction: Action; changeRoleAction: Action;
}) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid="members-table">
        <thead className="border-b border-zinc-200 text-xs uppercase tracking-wide text-zinc-600">
          <tr>
            <th scope="col" className="py-2 pr-4 font-medium">Member</th>
            <th scope="col" className="py-2 pr-4 font-medium">Role</th>
            <th scope="col" className="py-2 pr-4 font-medium">Joined</th>
            <th scope="col" className="py-2 font-medium"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100">
          {members.map((m) => {
            const manageable = canManage && (actorRole === "owner" || m.role !== "owner");
            return (
              <tr key={m.userId} data-testid="member-row">
                <td className="py-2.5 pr-4">
                  <div className="font-medium text-zinc-900">{m.name}{m.userId === currentUserId ? <span className="ml-1 text-zinc-500">(you)</span> : null}</div>
                  <div className="text-zinc-600">{m.email}</div>
                </td>
                <td className="py-2.5 pr-4">
                  {manageable && m.userId !== currentUserId ? (
                    <RoleSelect action={changeRoleAction} userId={m.userId} role={m.role} canGrantOwner={actorRole === "owner"} />
                  ) : (
                    <Badge tone={m.role === "member" ? "neutral" : "brand"} className="capitalize">{m.role}</Badge>
                  )}
                </td>
                <td className="tabular py-2.5 pr-4 text-zinc-600">{formatDate(m.joinedAt)}</td>
                <td className="py-2.5 text-right">
                  {manageable || m.userId === currentUserId ? (
                    <ActionButton
                      action={removeAction}
                      fields={{ userId: m.userId }}
                      label={m.userId === currentUserId ? "Leave" : "Remove"}
                      confirm={m.userId === currentUserId ? "Leave this team? Your API keys for it will be revoked." : `Remove ${m.name} from the team? Their API keys for it will be revoked.`}
                      testId="remove-member"
                    />
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
