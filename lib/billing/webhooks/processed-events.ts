import { and, eq, lt, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { stripeEvents } from "@/db/schema";

/** How long a delivery owns an event before another delivery may assume it died. */
const LEASE_SECONDS = 60;

export type Claim = { kind: "claimed" } | { kind: "processed"; outcome: string } | { kind: "in_progress" };

/**
 * Claims an event id for this delivery. Exactly one concurrent delivery gets "claimed"; the rest
 * see "processed" (a replay: acknowledge, do nothing) or "in_progress" (ask Stripe to retry later).
 * A claim whose owner died (lease passed) is taken over.
 */
export async function claimEvent(db: DbOrTx, event: { id: string; type: string }): Promise<Claim> {
  const lockedUntil = sql`now() + make_interval(secs => ${LEASE_SECONDS})`;
  const inserted = await db
    .insert(stripeEvents)
    .values({ id: event.id, type: event.type, status: "processing", lockedUntil })
    .onConflictDoNothing()
    .returning({ id: stripeEvents.id });
  if (inserted.length > 0) return { kind: "claimed" };
  const takenOver = await db
    .update(stripeEvents)
    .set({ lockedUntil })
    .where(and(eq(stripeEvents.id, event.id), eq(stripeEvents.status, "processing"), lt(stripeEvents.lockedUntil, sql`now()`)))
    .returning({ id: stripeEvents.id });
  if (takenOver.length > 0) return { kind: "claimed" };
  const [row] = await db.select({ status: stripeEvents.status, outcome: stripeEvents.outcome }).from(stripeEvents).where(eq(stripeEvents.id, event.id));
  if (row?.status === "processed") return { kind: "processed", outcome: row.outcome ?? "" };
  return { kind: "in_progress" };
}

export async function completeEvent(db: DbOrTx, eventId: string, outcome: string, accountId: string | null) {
  await db
    .update(stripeEvents)
    .set({ status: "processed", outcome, accountId, processedAt: new Date() })
    .where(eq(stripeEvents.id, eventId));
}

/** The handler failed: forget the claim so Stripe's retry runs it again. */
export async function abandonEvent(db: DbOrTx, eventId: string) {
  await db.delete(stripeEvents).where(and(eq(stripeEvents.id, eventId), eq(stripeEvents.status, "processing")));
}
