import { eq } from "drizzle-orm";
import { createDb } from "@/db/client";
import { accounts } from "@/db/schema";
import { embeddedDatabaseUrl } from "@/lib/config/integrations";
import { setPlan, startPeriod } from "@/lib/ledger";

/**
 * Puts a team on Pro the way billing's subscription webhook does (setPlan + startPeriod with the
 * allowance). A stand-in until the billing page and the emulator's checkout run in the e2e
 * sandbox: then journey 4 subscribes through the UI and this helper can go.
 */
export async function putTeamOnProDirectly(teamName: string): Promise<string> {
  const { db, sql } = createDb(embeddedDatabaseUrl(Number(process.env.E2E_PG_PORT ?? 54339)), { max: 2 });
  try {
    const [team] = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.name, teamName));
    if (!team) throw new Error(`No team ${teamName}`);
    await setPlan(db, team.id, "pro");
    const start = new Date();
    await startPeriod(db, team.id, { start, end: new Date(start.getTime() + 30 * 86_400_000) });
    return team.id;
  } finally {
    await sql.end({ timeout: 1 });
  }
}
