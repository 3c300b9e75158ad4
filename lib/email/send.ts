import nodemailer from "nodemailer";
import type { DbOrTx } from "@/db/client";
import { emailOutbox } from "@/db/schema";
import { getEnv } from "@/lib/config/env";
import { getIntegrations } from "@/lib/config/integrations";
import { newId } from "@/lib/ids";

export type Email = { to: string; subject: string; text: string };
export type SendResult = { id: string; channel: "smtp" | "outbox"; delivered: boolean };

let transport: nodemailer.Transporter | undefined;
function smtp(): nodemailer.Transporter {
  transport ??= nodemailer.createTransport(getEnv().SMTP_URL!);
  return transport;
}

/**
 * Sends through SMTP when configured, else only records it in the outbox (the sandbox mailbox).
 * Never throws for a delivery failure: the failure is recorded and returned, so a broken mail
 * server cannot fail the request that wanted to send.
 */
export async function sendEmail(db: DbOrTx, email: Email): Promise<SendResult> {
  const id = newId("eml");
  if (getIntegrations().email.mode === "outbox") {
    await db.insert(emailOutbox).values({ id, toAddress: email.to, subject: email.subject, textBody: email.text, channel: "outbox", status: "recorded" });
    return { id, channel: "outbox", delivered: false };
  }
  let error: string | null = null;
  try {
    await smtp().sendMail({ from: getEnv().EMAIL_FROM, to: email.to, subject: email.subject, text: email.text });
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    console.error("email delivery failed", { to: email.to, subject: email.subject, error });
  }
  await db.insert(emailOutbox).values({ id, toAddress: email.to, subject: email.subject, textBody: email.text, channel: "smtp", status: error ? "failed" : "sent", error });
  return { id, channel: "smtp", delivered: !error };
}

/** Tests point SMTP_URL at their own server between files. */
export function resetEmailTransportForTests(): void {
  transport = undefined;
}
