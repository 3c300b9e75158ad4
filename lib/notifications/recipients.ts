import { and, eq, inArray } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { memberships, users } from "@/db/schema";
import { getEnv } from "@/lib/config/env";

/** Owners and admins of the account: the people who can act on a limit or a trip. */
export async function accountRecipients(db: DbOrTx, accountId: string): Promise<string[]> {
  const rows = await db
    .select({ email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.accountId, accountId), inArray(memberships.role, ["owner", "admin"])));
  return [...new Set(rows.map((r) => r.email.toLowerCase()))];
}

export function platformAdminEmails(): string[] {
  return getEnv().ADMIN_EMAILS;
}
