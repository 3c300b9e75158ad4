import type { Role } from "@/db/schema";
import type { ActionResult } from "@/lib/http/action";
import { ActionButton } from "@/components/ui/action-button";
import { EmptyState } from "@/components/ui/empty-state";
import { formatDate } from "@/components/ui/format";

type Invite = { id: string; email: string; role: Role; expiresAt: Date };

export function InvitesTable({ invites, canManage, revokeAction }: { invites: Invite[]; canManage: boolean; revokeAction: (prev: ActionResult, form: FormData) => Promise<ActionResult> }) {
  if (invites.length === 0) return <EmptyState title="No pending invites" />;
  return (
    <ul className="divide-y divide-zinc-100" data-testid="invites-list">
      {invites.map((i) => (
        <li key={i.id} className="flex flex-wrap items-center justify-between gap-2 py-2.5 text-sm" data-testid="invite-row">
          <div>
            <span className="font-medium">{i.email}</span> <span className="capitalize text-zinc-600">· {i.role}</span>
            <span className="tabular text-zinc-600"> · expires {formatDate(i.expiresAt)}</span>
          </div>
          {canManage ? <ActionButton action={revokeAction} fields={{ inviteId: i.id }} label="Revoke" testId="revoke-invite" /> : null}
        </li>
      ))}
    </ul>
  );
}
