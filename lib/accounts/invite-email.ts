import type { DbOrTx } from "@/db/client";
import { sendEmail, type SendResult } from "@/lib/email/send";
import { inviteUrl } from "./invite-url";

export async function sendInviteEmail(db: DbOrTx, input: { email: string; accountName: string; inviterName: string; role: string; token: string }): Promise<SendResult> {
  return sendEmail(db, {
    to: input.email,
    subject: `${input.inviterName} invited you to ${input.accountName} on Meterline`,
    text: [
      `${input.inviterName} invited you to join ${input.accountName} as ${input.role}.`,
      "",
      `Accept: ${inviteUrl(input.token)}`,
      "",
      "The link expires in 7 days. If you did not expect this, ignore this email.",
    ].join("\n"),
  });
}
