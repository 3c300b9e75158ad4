import { withPlatformAdmin } from "@/lib/admin/http/with-platform-admin";
import { listMailbox } from "@/lib/admin/mail";

/** Platform admins: the mail outbox (the sandbox's mailbox). */
export const GET = withPlatformAdmin(async (_req, { admin, db }) => Response.json(await listMailbox(db, admin)));
