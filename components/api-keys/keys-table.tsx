import type { ActionResult } from "@/lib/http/action";
import { ActionButton } from "@/components/ui/action-button";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { formatDate, formatDateTime } from "@/components/ui/format";

type Key = { id: string; name: string; prefix: string; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null; createdByUserId: string; createdByName: string };

export function KeysTable({ keys, currentUserId, canManageAll, revokeAction }: { keys: Key[]; currentUserId: string; canManageAll: boolean; revokeAction: (prev: ActionResult, form: FormData) => Promise<ActionResult> }) {
  if (keys.length === 0) return <EmptyState title="No API keys yet">Create one above to call the API.</EmptyState>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid="keys-table">
        <thead className="border-b border-zinc-200 text-xs uppercase tracking-wide text-zinc-600">
          <tr>
            <th scope="col" className="py-2 pr-4 font-medium">Name</th>
            <th scope="col" className="py-2 pr-4 font-medium">Key</th>
            <th scope="col" className="py-2 pr-4 font-medium">Created by</th>
            <th scope="col" className="py-2 pr-4 font-medium">Created</th>
            <th scope="col" className="py-2 pr-4 font-medium">Last used</th>
            <th scope="col" className="py-2 font-medium"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100">
          {keys.map((k) => (
            <tr key={k.id} data-testid="key-row" data-key-name={k.name}>
              <td className="py-2.5 pr-4 font-medium">{k.name}</td>
              <td className="py-2.5 pr-4 font-mono text-zinc-700">{k.prefix}…</td>
              <td className="py-2.5 pr-4 text-zinc-700">{k.createdByName}</td>
              <td className="tabular py-2.5 pr-4 text-zinc-600">{formatDate(k.createdAt)}</td>
              <td className="tabular py-2.5 pr-4 text-zinc-600">{k.lastUsedAt ? formatDateTime(k.lastUsedAt) : "Never"}</td>
              <td className="py-2.5 text-right">
                {k.revokedAt ? (
                  <Badge tone="red" data-testid="key-revoked">Revoked</Badge>
                ) : canManageAll || k.createdByUserId === currentUserId ? (
                  <ActionButton action={revokeAction} fields={{ keyId: k.id }} label="Revoke" confirm={`Revoke “${k.name}”? Requests using it will fail immediately.`} testId="revoke-key" />
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
