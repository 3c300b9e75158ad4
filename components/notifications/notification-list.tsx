import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { formatDateTime } from "@/components/ui/format";

type Item = { id: string; kind: string; title: string; body: string; link: string | null; createdAt: Date; readAt: Date | null };

/** The in-app channel: the account's notifications, newest first, unread marked. */
export function NotificationList({ items }: { items: Item[] }) {
  if (items.length === 0) return <p className="text-sm text-zinc-600">No notifications.</p>;
  return (
    <ul className="flex flex-col divide-y divide-zinc-100" data-testid="notification-list">
      {items.map((n) => (
        <li key={n.id} className="py-3" data-testid="notification">
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-medium text-zinc-900">{n.title}</span>
            {n.readAt ? null : <Badge tone="brand">new</Badge>}
            <span className="ml-auto text-xs text-zinc-600">{formatDateTime(n.createdAt)}</span>
          </div>
          <p className="mt-1 text-sm text-zinc-700">{n.body}</p>
          {n.link ? (
            <Link href={n.link} className="text-sm text-brand-700 underline">
              Open
            </Link>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
