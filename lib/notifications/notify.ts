import type { Db } from "@/db/client";
import { notificationDeliveries, notifications, type DeliveryChannel, type NotificationKind } from "@/db/schema";
import { newId } from "@/lib/ids";
import { slackConfigured } from "./channels/slack";
import { deliverNotification } from "./deliver";
import { kindRoutes } from "./kinds";
import { accountRecipients, platformAdminEmails } from "./recipients";

export type NotifyInput = {
  accountId: string;
  kind: NotificationKind;
  /** The threshold crossed (credits, cents…); 0 for kinds without one. */
  threshold: number;
  /** The period the threshold is counted in: a billing period start, an invoice id, a trip id. */
  periodKey: string;
  title: string;
  body: string;
  link?: string | null;
  details?: Record<string, unknown>;
};

export type NotifyResult = { created: boolean; notificationId: string | null };

/**
 * The one dedupe rule: at most one notification per (account, kind, threshold, period), however
 * many requests or app instances race to raise it (a unique index and ON CONFLICT DO NOTHING).
 * The winner writes its channel deliveries in the same transaction and starts sending them in the
 * background; the notifications job retries failures. Never waits for a channel.
 */
export async function notify(db: Db, input: NotifyInput): Promise<NotifyResult> {
  const route = kindRoutes[input.kind];
  const emails = new Set<string>();
  if (route.emailAccount) for (const e of await accountRecipients(db, input.accountId)) emails.add(e);
  if (route.alertPlatform) for (const e of platformAdminEmails()) emails.add(e);
  const slack = route.alertPlatform && slackConfigured();

  const id = await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(notifications)
      .values({
        id: newId("ntf"),
        accountId: input.accountId,
        kind: input.kind,
        threshold: input.threshold,
        periodKey: input.periodKey,
        audience: route.audience,
        title: input.title,
        body: input.body,
        link: input.link ?? null,
        details: input.details ?? null,
      })
      .onConflictDoNothing()
      .returning({ id: notifications.id });
    if (!row) return null;
    const deliveries: { notificationId: string; channel: DeliveryChannel; recipient: string }[] = [...emails].map((recipient) => ({ notificationId: row.id, channel: "email", recipient }));
    if (slack) deliveries.push({ notificationId: row.id, channel: "slack", recipient: "slack" });
    if (deliveries.length > 0) await tx.insert(notificationDeliveries).values(deliveries).onConflictDoNothing();
    return row.id;
  });
  if (id) {
    void deliverNotification(db, id).catch((e) => console.error(`notifications: first delivery of ${id} failed; the job retries`, e));
  }
  return { created: id !== null, notificationId: id };
}

/** For hooks on the request path: fire and forget, never throws, never delays the caller. */
export function notifyInBackground(db: Db, input: NotifyInput): void {
  void notify(db, input).catch((e) => console.error(`notifications: could not record ${input.kind} for ${input.accountId}`, e));
}
