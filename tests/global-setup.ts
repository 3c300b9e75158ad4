import os from "node:os";
import path from "node:path";
import fs from "node:fs";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, ensureDatabase } from "@/tools/embedded-postgres";
import { freePort } from "@/tools/free-port";
import { runMigrations } from "@/db/migrate";
import { assertLocalDatabase } from "./local-database-guard";

export const TEMPLATE_DB = "meterline_template";

/**
 * One real Postgres for the whole run. Migrations are applied once to a template database;
 * every test file then clones it (CREATE DATABASE … TEMPLATE), which takes milliseconds and
 * isolates files that run in parallel.
 *
 * TEST_DATABASE_ADMIN_URL points the tests at an existing local server instead.
 */
export default async function setup(project: TestProject) {
  let adminUrl = process.env.TEST_DATABASE_ADMIN_URL;
  let stop: (() => Promise<void>) | undefined;
  if (adminUrl) {
    assertLocalDatabase(adminUrl);
  } else {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "meterline-test-pg-"));
    const pg = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false });
    adminUrl = pg.url("postgres");
    stop = async () => {
      await pg.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const templateUrl = adminUrl.replace(/\/[^/]*$/, `/${TEMPLATE_DB}`);
  await dropDatabaseIfExists(adminUrl, TEMPLATE_DB);
  await ensureDatabase(adminUrl, TEMPLATE_DB);
  await runMigrations(templateUrl);
  project.provide("pgAdminUrl", adminUrl);
  return async () => {
    await stop?.();
  };
}

async function dropDatabaseIfExists(adminUrl: string, name: string) {
  const { default: postgres } = await import("postgres");
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`drop database if exists "${name}" with (force)`);
  } finally {
    await sql.end();
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}
