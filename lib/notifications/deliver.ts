import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { getEnv } from "@/lib/config/env";
import { emailNotification } from "./channels/email";
import { postToSlack } from "./channels/slack";

/** Attempts per delivery before it is marked failed (kept for the admin view). */
export const MAX_DELIVERY_ATTEMPTS = 6;
/**
 * A claim lasts this long: a sender that died mid-send is replaced after it. Every channel gives
 * up well before (SMTP: lib/email SMTP_TIMEOUTS_MS, Slack: 5 s), so a slow send is never repeated
 * by a second worker while the first is still trying.
 */
const CLAIM_MS = 60_000;

/** 30 s, 1 min, 2 min, … capped at an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

type Claimed = {
  id: number;
  channel: "email" | "slack";
  recipient: string;
  attempts: number;
  account_id: string;
  kind: string;
  title: string;
  body: string;
  link: string | null;
};

/**
 * Claims due deliveries (SKIP LOCKED + a lease, so two senders never send the same one), sends
 * each, and records the outcome: sent, retry later with backoff, or failed after the last attempt.
 */
async function claimAndSend(db: Db, filter: { notificationId?: string; now: Date; limit: number }): Promise<{ sent: number; failed: number; retrying: number }> {
  const now = filter.now.toISOString();
  const only = filter.notificationId ? sql`and notification_id = ${filter.notificationId}` : sql``;
  const claimed = (await db.execute(sql`
    with due as (
      select id from notification_deliveries
       where status = 'pending' and next_attempt_at <= ${now}::timestamptz
         and (locked_until is null or locked_until < ${now}::timestamptz) ${only}
       order by id limit ${filter.limit}
       for update skip locked)
    update notification_deliveries d
       set locked_until = ${now}::timestamptz + make_interval(secs => ${CLAIM_MS / 1000}), attempts = d.attempts + 1
      from due, notifications n
     where d.id = due.id and n.id = d.notification_id
    returning d.id, d.channel, d.recipient, d.attempts, n.account_id, n.kind, n.title, n.body, n.link`)) as unknown as Claimed[];

  const counts = { sent: 0, failed: 0, retrying: 0 };
  await Promise.all(
    claimed.map(async (d) => {
      try {
        await send(db, d);
        await db.execute(sql`update notification_deliveries set status = 'sent', sent_at = now(), locked_until = null, last_error = null where id = ${d.id}`);
        counts.sent += 1;
      } catch (e) {
        const error = (e instanceof Error ? e.message : String(e)).slice(0, 500);
        const final = d.attempts >= MAX_DELIVERY_ATTEMPTS;
        const next = new Date(filter.now.getTime() + retryDelayMs(d.attempts)).toISOString();
        await db.execute(sql`
          update notification_deliveries
             set status = ${final ? "failed" : "pending"}, last_error = ${error}, locked_until = null, next_attempt_at = ${next}::timestamptz
           where id = ${d.id}`);
        if (final) counts.failed += 1;
        else counts.retrying += 1;
        console.warn(`notifications: ${d.channel} to ${d.recipient} failed (attempt ${d.attempts}${final ? ", giving up" : ""}): ${error}`);
      }
    }),
  );
  return counts;
}

async function send(db: Db, d: Claimed): Promise<void> {
  const appUrl = getEnv().APP_URL.replace(/\/$/, "");
  if (d.channel === "email") {
    const link = d.link ? `\n\n${appUrl}${d.link}` : "";
    await emailNotification(db, d.recipient, `[Meterline] ${d.title}`, `${d.body}${link}\n\nAccount: ${d.account_id}`);
    return;
  }
  await postToSlack(`*${d.title}* (${d.kind}, account ${d.account_id})\n${d.body}\n${appUrl}/admin/customers/${d.account_id}`);
}

/** Sends one notification's deliveries now (called right after it is recorded). */
export function deliverNotification(db: Db, notificationId: string, now = new Date()) {
  return claimAndSend(db, { notificationId, now, limit: 100 });
}

/** The job: every due delivery (first tries that never ran, and retries). */
export function deliverDueNotifications(db: Db, options: { now?: Date; limit?: number } = {}) {
  return claimAndSend(db, { now: options.now ?? new Date(), limit: options.limit ?? 200 });
}
