import type postgres from "postgres";
import type { Db } from "@/db/client";

/**
 * The postgres.js client behind a drizzle handle (drizzle sets `$client` at runtime; the `Db`
 * type does not declare it). The hot paths call the ledger's PL/pgSQL functions with it
 * directly: one prepared statement, a jsonb batch in, a jsonb result out.
 */
export function rawSql(db: Db): postgres.Sql {
  const client = (db as unknown as { $client?: postgres.Sql }).$client;
  if (!client) throw new Error("ledger: expected a drizzle postgres-js database (db.$client), not a transaction");
  return client;
}

/** jsonb numbers are bigint columns that fit in a double here (validated on the way in). */
export type Json = Record<string, unknown>;
