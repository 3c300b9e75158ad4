import nodemailer from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport";
import type { DbOrTx } from "@/db/client";
import { emailOutbox } from "@/db/schema";
import { getEnv } from "@/lib/config/env";
import { getIntegrations } from "@/lib/config/integrations";
import { newId } from "@/lib/ids";

export type Email = { to: string; subject: string; text: string };
export type SendResult = { id: string; channel: "smtp" | "outbox"; delivered: boolean };

/**
 * nodemailer's defaults (2 min to connect, 30 s for the greeting, 10 min of socket silence) would
 * let one send outlive the notification delivery's 60 s claim, after which another worker sends
 * the same email again. Worst case here: 10 + 10 + 20 s, well inside the claim.
 */
export const SMTP_TIMEOUTS_MS = { connection: 10_000, greeting: 10_000, socket: 20_000 } as const;

let transport: nodemailer.Transporter | undefined;
function smtp(): nodemailer.Transporter {
  if (!transport) {
    const t = nodemailer.createTransport(getEnv().SMTP_URL!);
    // Options passed next to `url` are dropped by nodemailer (the URL's parse wins), so the parsed
    // options get the timeouts; every send opens its connection from them.
    Object.assign((t.transporter as SMTPTransport).options, {
      connectionTimeout: SMTP_TIMEOUTS_MS.connection,
      greetingTimeout: SMTP_TIMEOUTS_MS.greeting,
      socketTimeout: SMTP_TIMEOUTS_MS.socket,
    });
    transport = t;
  }
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
