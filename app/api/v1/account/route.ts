import { eq } from "drizzle-orm";
import { accounts } from "@/db/schema";
import { withAccount } from "@/lib/http/with-account";

/** The account the caller acts on (API key or session). */
export const GET = withAccount(async (_req, { account, db }) => {
  const [row] = await db
    .select({ id: accounts.id, name: accounts.name, kind: accounts.kind, plan: accounts.plan, status: accounts.status })
    .from(accounts)
    .where(eq(accounts.id, account.accountId));
  return Response.json({ ...row, role: account.role, via: account.via });
});
