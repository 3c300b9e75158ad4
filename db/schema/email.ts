import { index, pgTable, text } from "drizzle-orm/pg-core";
import { tstz } from "./columns";

/**
 * Every email the app sends, whatever the channel. With no SMTP configured (the sandbox) this
 * table is the mailbox: the app shows its contents instead of sending.
 */
export const emailOutbox = pgTable(
  "email_outbox",
  {
    id: text("id").primaryKey(),
    toAddress: text("to_address").notNull(),
    subject: text("subject").notNull(),
    textBody: text("text_body").notNull(),
    /** "smtp" when handed to the SMTP server, "outbox" when only recorded here. */
    channel: text("channel").$type<"smtp" | "outbox">().notNull(),
    status: text("status").$type<"sent" | "recorded" | "failed">().notNull(),
    error: text("error"),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [index("email_outbox_to_idx").on(t.toAddress, t.createdAt)],
);
