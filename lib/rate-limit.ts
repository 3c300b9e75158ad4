import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { rateLimits } from "@/db/schema";

/**
 * Fixed-window counter in Postgres (shared by every app instance). Returns the count in the
 * current window after adding `by`.
 */
export async function hitRateLimit(db: DbOrTx, key: string, windowSeconds: number, by = 1): Promise<number> {
  const rows = await db
    .insert(rateLimits)
    .values({ key, count: by, windowStartedAt: sql`now()` })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        count: sql`case when ${rateLimits.windowStartedAt} < now() - make_interval(secs => ${windowSeconds}) then ${by} else ${rateLimits.count} + ${by} end`,
        windowStartedAt: sql`case when ${rateLimits.windowStartedAt} < now() - make_interval(secs => ${windowSeconds}) then now() else ${rateLimits.windowStartedAt} end`,
      },
    })
    .returning({ count: rateLimits.count });
  return rows[0]!.count;
}

/** The current count without adding to it (0 when the window has passed). */
export async function peekRateLimit(db: DbOrTx, key: string, windowSeconds: number): Promise<number> {
  const rows = await db.execute<{ count: number }>(
    sql`select count from rate_limits where key = ${key} and window_started_at >= now() - make_interval(secs => ${windowSeconds})`,
  );
  return rows[0]?.count ?? 0;
}

export async function clearRateLimit(db: DbOrTx, key: string): Promise<void> {
  await db.execute(sql`delete from rate_limits where key = ${key}`);
}
