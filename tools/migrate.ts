// `npm run db:migrate`: applies the committed migrations to DATABASE_URL (or the embedded one).
import { runMigrations } from "@/db/migrate";
import { getIntegrations } from "@/lib/config/integrations";

const { url, mode } = getIntegrations().database;
await runMigrations(url);
console.log(`migrations applied (${mode} database)`);
