import type { DbOrTx } from "@/db/client";
import { sendEmail } from "@/lib/email/send";

/**
 * One notification email through lib/email (SMTP, or the outbox in the sandbox, where recording
 * it IS the delivery). sendEmail never throws; a failed SMTP hand-off is turned into a throw here
 * so the delivery is retried.
 */
export async function emailNotification(db: DbOrTx, to: string, subject: string, text: string): Promise<void> {
  const result = await sendEmail(db, { to, subject, text });
  if (result.channel === "smtp" && !result.delivered) throw new Error(`SMTP delivery to ${to} failed`);
}
