import postgres from "postgres";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import * as schema from "./schema";
import { getIntegrations } from "@/lib/config/integrations";
import { getEnv } from "@/lib/config/env";
import { fastenQueryClass } from "./fast-query-class";

export type Db = PostgresJsDatabase<typeof schema>;
/** A transaction handle; domain functions accept either (`DbOrTx`). */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;

export type DbHandle = { db: Db; sql: postgres.Sql };

export function createDb(url: string, options: { max?: number } = {}): DbHandle {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // bigint columns come back as JS bigint via drizzle's mode; plain numeric text stays text.
  });
  fastenQueryClass(sql);
  return { db: drizzle(sql, { schema, casing: "snake_case" }), sql };
}

// One pool per process. Kept on globalThis so `next dev` hot reloads do not leak pools.
const globalForDb = globalThis as unknown as { __meterlineDb?: DbHandle & { url: string } };

export function getDbHandle(): DbHandle {
  const url = getIntegrations().database.url;
  const existing = globalForDb.__meterlineDb;
  if (existing && existing.url === url) return existing;
  const handle = createDb(url, { max: getEnv().DATABASE_POOL_MAX });
  globalForDb.__meterlineDb = { ...handle, url };
  return handle;
}

export function getDb(): Db {
  return getDbHandle().db;
}
