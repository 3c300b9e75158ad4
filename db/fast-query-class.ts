import type postgres from "postgres";

type AnyClass = abstract new (...args: never[]) => object;

// Each fastened class with the subclass that keeps it a prototype for the life of the process.
const fastened = new Map<AnyClass, AnyClass>();

/**
 * Turns postgres.js's Query class into a fast-mode object, once per process.
 *
 * Query is a Promise subclass with a static `Symbol.species` getter, so V8 keeps its constructor in
 * dictionary mode. On Node 20's V8, promises created through such a constructor outlive the young
 * generation, and with them whatever their callbacks hold: every transaction's objects were
 * promoted and died old, so each scavenge copied ≈ 1.5 MB and paused the process for 5–10 ms
 * (measured: 12.6 % of the bytes a `sql.begin` loop allocated were promoted; 0.6 % after this).
 * A class that has a subclass is a prototype, and V8 gives prototypes fast properties — so one
 * empty subclass is the whole fix. See lib/gateway/README.md, "Garbage the collector had to copy".
 */
export function fastenQueryClass(sql: postgres.Sql): void {
  // A Query runs only when awaited or .execute()d: this one is never sent.
  const Query = Object.getPrototypeOf(sql`select 1`).constructor as AnyClass;
  if (fastened.has(Query)) return;
  class FastModeQuery extends Query {}
  fastened.set(Query, FastModeQuery);
}
