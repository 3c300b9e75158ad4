import { getDb } from "@/db/client";
import { requireAccountContext } from "@/lib/auth/server";
import { listAccountNotifications } from "@/lib/notifications";
import { NotificationList } from "@/components/notifications/notification-list";
import { ActionButton } from "@/components/ui/action-button";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { markAllReadAction } from "./actions";

export const metadata = { title: "Notifications · Meterline" };

export default async function NotificationsPage() {
  const { ctx } = await requireAccountContext();
  const items = await listAccountNotifications(getDb(), ctx.accountId);
  return (
    <div className="flex flex-col gap-4">
      <PageHeader title="Notifications" description="Limits, balance, circuit breaker and payment alerts for this account. Owners and admins also get them by email.">
        <ActionButton action={markAllReadAction} fields={{}} label="Mark all read" variant="secondary" testId="mark-all-read" />
      </PageHeader>
      <Card>
        <NotificationList items={items} />
      </Card>
    </div>
  );
}
