import { listMembers } from "@/lib/accounts/members";
import { withAccount } from "@/lib/http/with-account";

export const GET = withAccount(async (_req, { account, db }) => Response.json({ data: await listMembers(db, account.accountId) }), { session: true });
