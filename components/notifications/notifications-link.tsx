import Link from "next/link";
import { getDb } from "@/db/client";
import { unreadNotificationCount } from "@/lib/notifications";

/** The shell's notifications entry: a link with the unread count. */
export async function NotificationsLink({ accountId }: { accountId: string }) {
  const unread = await unreadNotificationCount(getDb(), accountId);
  return (
    <Link href="/notifications" className="rounded-md px-2 py-1 text-sm text-zinc-700 hover:bg-zinc-100" data-testid="notifications-link">
      Notifications
      {unread > 0 ? (
        <>
          <span aria-hidden="true" className="ml-1 rounded bg-red-600 px-1.5 text-xs font-semibold text-white" data-testid="notifications-unread">
            {unread}
          </span>
          <span className="sr-only">{`, ${unread} unread`}</span>
        </>
      ) : null}
    </Link>
  );
}
