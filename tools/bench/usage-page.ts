/**
 * Times the usage page's data load (getUsageDashboard + limit history) for the seeded demo team.
 *   EMBEDDED_PG_PORT=… tsx tools/bench/usage-page.ts [runs]   (or DATABASE_URL)
 */
import { eq } from "drizzle-orm";
import { createDb } from "@/db/client";
import { accounts, usageDaily, usageEvents } from "@/db/schema";
import { embeddedDatabaseUrl } from "@/lib/config/integrations";
import { getUsageDashboard } from "@/lib/usage/dashboard";
import { limitHistory } from "@/lib/usage/limits-form";
import { findUserByEmail } from "@/lib/accounts/users";
import { DEMO_USERS } from "../seed/demo-data";
import { sql as dsql } from "drizzle-orm";

async function main() {
  const runs = Number(process.argv[2] ?? 30);
  const url = process.env.DATABASE_URL ?? embeddedDatabaseUrl(Number(process.env.EMBEDDED_PG_PORT ?? 54329));
  const { db, sql } = createDb(url, { max: 10 });
  const owner = await findUserByEmail(db, DEMO_USERS[0]!.email);
  const [team] = await db.select().from(accounts).where(eq(accounts.name, "Acme AI"));
  if (!owner || !team) throw new Error("Run npm run seed first");
  const ctx = { accountId: team.id, userId: owner.id, role: "owner" as const, via: "session" as const };
  const [events] = await db.select({ c: dsql<number>`count(*)::int` }).from(usageEvents).where(eq(usageEvents.accountId, team.id));
  const [daily] = await db.select({ c: dsql<number>`count(*)::int` }).from(usageDaily).where(eq(usageDaily.accountId, team.id));
  const times: number[] = [];
  for (let i = 0; i < runs + 3; i++) {
    const t0 = performance.now();
    await Promise.all([getUsageDashboard(db, ctx), limitHistory(db, team.id)]);
    if (i >= 3) times.push(performance.now() - t0); // first runs warm the pool and plans
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(Math.floor(p * times.length), times.length - 1)]!.toFixed(1);
  console.log(`usage page data for ${events!.c.toLocaleString("en-US")} receipts (${daily!.c.toLocaleString("en-US")} rollup rows), ${runs} runs: p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${q(1)} ms`);
  await sql.end();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
