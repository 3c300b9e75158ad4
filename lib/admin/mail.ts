import { desc } from "drizzle-orm";
import type { Db } from "@/db/client";
import { emailOutbox } from "@/db/schema";
import { getIntegrations } from "@/lib/config/integrations";
import type { PlatformAdmin } from "./authz";

/** The sandbox mailbox: every email the app sent or recorded (the outbox table), newest first. */
export async function listMailbox(db: Db, _admin: PlatformAdmin, limit = 100) {
  const mode = getIntegrations().email.mode;
  const mails = await db.select().from(emailOutbox).orderBy(desc(emailOutbox.createdAt)).limit(limit);
  return { mode, mails };
}
