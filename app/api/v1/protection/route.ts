import { withAccount } from "@/lib/http/with-account";
import { getProtectionStatus } from "@/lib/protection/status";

/** The account's circuit-breaker state: open trips (why), cautious mode. */
export const GET = withAccount(async (_req, { account, db }) => Response.json(await getProtectionStatus(db, account.accountId)));
