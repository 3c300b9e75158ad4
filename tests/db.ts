import { inject, afterAll } from "vitest";
import postgres from "postgres";
import { createDb, type DbHandle } from "@/db/client";
import { resetEnvForTests } from "@/lib/config/env";
import { assertLocalDatabase } from "./local-database-guard";

const TEMPLATE_DB = "meterline_template";

export type TestDb = DbHandle & { url: string };

/**
 * A fresh database for this test file, cloned from the migrated template, dropped after the
 * file. It also becomes DATABASE_URL, so code that calls getDb() (route handlers) uses it.
 */
export async function createTestDb(options: { max?: number } = {}): Promise<TestDb> {
  const adminUrl = inject("pgAdminUrl");
  assertLocalDatabase(adminUrl);
  const name = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}" template "${TEMPLATE_DB}"`);
  const url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
  const handle = createDb(url, { max: options.max ?? 10 });
  process.env.DATABASE_URL = url;
  resetEnvForTests();
  afterAll(async () => {
    await handle.sql.end({ timeout: 1 });
    const g = globalThis as { __meterlineDb?: DbHandle };
    await g.__meterlineDb?.sql.end({ timeout: 1 });
    delete g.__meterlineDb;
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  });
  return { ...handle, url };
}
