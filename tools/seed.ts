/**
 * `npm run seed`: a demo team with 90 days of usage in the sandbox database, so the usage page
 * looks like a real account on first run. Idempotent (does nothing when the demo team exists).
 *
 *   tsx tools/seed.ts [--data .data]        (DATABASE_URL set → seeds that database instead)
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { createDb } from "@/db/client";
import { runMigrations } from "@/db/migrate";
import { embeddedDatabaseUrl } from "@/lib/config/integrations";
import { canConnect, ensureDatabase, startEmbeddedPostgres } from "./embedded-postgres";
import { DEMO_PASSWORD, DEMO_USERS, seedDemo } from "./seed/demo-data";

const { values: args } = parseArgs({ options: { data: { type: "string", default: ".data" } } });
for (const file of [".env.local", ".env"]) if (fs.existsSync(file)) process.loadEnvFile(file);

async function main() {
  let stop = async () => {};
  let url = process.env.DATABASE_URL;
  if (!url) {
    // The same embedded server `npm run dev` uses; reuse it when dev is running.
    const port = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
    url = embeddedDatabaseUrl(port);
    const admin = url.replace(/\/meterline$/, "/postgres");
    if (!(await canConnect(admin))) {
      const pg = await startEmbeddedPostgres({ dataDir: path.join(path.resolve(args.data!), "pg"), port });
      stop = () => pg.stop();
    }
    await ensureDatabase(admin, "meterline");
    process.env.DATABASE_URL = url;
  }
  await runMigrations(url);
  const { db, sql } = createDb(url, { max: 20 });
  const started = Date.now();
  try {
    const r = await seedDemo(db, { log: (s) => console.log(s) });
    if (r.created) {
      console.log(`Seeded team "Acme AI" (${r.teamId}): ${r.requests.toLocaleString("en-US")} requests over 90 days, ${r.currentPeriodRequests} this period, in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
      console.log(`Sign in as ${DEMO_USERS.map((u) => `${u.email} (${u.role})`).join(", ")} — password "${DEMO_PASSWORD}".`);
      console.log(`API key "Production agent": ${r.apiKeySecret}`);
    }
  } finally {
    await sql.end({ timeout: 2 });
    await stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
