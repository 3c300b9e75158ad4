import { and, count, desc, eq, isNull } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { notificationDeliveries, notifications } from "@/db/schema";

/** The account's in-app list (never the platform-only kinds). */
export async function listAccountNotifications(db: DbOrTx, accountId: string, limit = 50) {
  return db
    .select()
    .from(notifications)
    .where(and(eq(notifications.accountId, accountId), eq(notifications.audience, "account")))
    .orderBy(desc(notifications.createdAt))
    .limit(limit);
}

export async function unreadNotificationCount(db: DbOrTx, accountId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(notifications)
    .where(and(eq(notifications.accountId, accountId), eq(notifications.audience, "account"), isNull(notifications.readAt)));
  return row?.n ?? 0;
}

export async function markAllNotificationsRead(db: DbOrTx, accountId: string): Promise<void> {
  await db
    .update(notifications)
    .set({ readAt: new Date() })
    .where(and(eq(notifications.accountId, accountId), eq(notifications.audience, "account"), isNull(notifications.readAt)));
}

/** Admin view: every notification of one account, platform ones included, with delivery states. */
export async function listNotificationsForAdmin(db: DbOrTx, accountId: string, limit = 50) {
  const rows = await db.select().from(notifications).where(eq(notifications.accountId, accountId)).orderBy(desc(notifications.createdAt)).limit(limit);
  const deliveries = rows.length
    ? await db
        .select()
        .from(notificationDeliveries)
        .innerJoin(notifications, eq(notifications.id, notificationDeliveries.notificationId))
        .where(eq(notifications.accountId, accountId))
    : [];
  return rows.map((n) => ({ ...n, deliveries: deliveries.filter((d) => d.notification_deliveries.notificationId === n.id).map((d) => d.notification_deliveries) }));
}
