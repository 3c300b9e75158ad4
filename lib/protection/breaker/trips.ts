import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accounts, breakerTrips, type BreakerCause, type BreakerScope } from "@/db/schema";
import { recordAudit } from "@/lib/accounts/audit";
import { forgetAllCachedApiKeys } from "@/lib/api-keys/key-cache";
import { setAccountStatus } from "@/lib/ledger";
import { notify } from "@/lib/notifications";
import { getProtectionConfig } from "../config";
import { RESUME_PATH } from "./messages";
import { breaker } from "./registry";
import type { Trip } from "./state";

/**
 * Persists a trip the in-memory breaker already enforces here: an account trip freezes the
 * account (so every instance and the ledger refuse it), the trip is recorded and audited, and
 * owners and platform admins are alerted. Runs off the request path.
 */
export async function persistTrip(db: Db, trip: Trip): Promise<void> {
  if (trip.scope === "account") await setAccountStatus(db, trip.accountId, "frozen", trip.message);
  await db.transaction(async (tx) => {
    await tx.insert(breakerTrips).values({ ...trip }).onConflictDoNothing();
    await recordAudit(tx, {
      accountId: trip.accountId,
      actorUserId: null,
      action: "breaker.tripped",
      targetType: trip.scope,
      targetId: trip.apiKeyId ?? trip.accountId,
      after: { cause: trip.cause, ...trip.details },
      reason: trip.message,
    });
  });
  forgetAllCachedApiKeys();
  await notify(db, {
    accountId: trip.accountId,
    kind: "breaker_tripped",
    threshold: 0,
    periodKey: trip.id,
    title: trip.scope === "account" ? "Circuit breaker tripped: requests paused" : "Circuit breaker tripped: an API key is paused",
    body: trip.message,
    link: RESUME_PATH,
    details: { tripId: trip.id, scope: trip.scope, apiKeyId: trip.apiKeyId, cause: trip.cause, ...trip.details },
  });
}

export type ResumeInput = { accountId: string; actorUserId: string; reason: string; cautious: boolean };

/**
 * Resumes every open trip of the account (account and keys): unfreezes an account the breaker
 * froze (an account an admin froze by hand stays frozen), starts cautious mode unless an admin
 * resets without it, and audits. Returns how many trips were resumed (0 = nothing was tripped).
 */
export async function resumeBreaker(db: Db, input: ResumeInput): Promise<{ resumed: number; cautiousUntil: Date | null }> {
  const cfg = getProtectionConfig().breaker;
  const nowMs = breaker().now();
  const cautiousUntil = input.cautious && cfg.cautiousMs > 0 ? new Date(nowMs + cfg.cautiousMs) : null;
  const resumed = await db.transaction(async (tx) => {
    const open = await tx
      .select()
      .from(breakerTrips)
      .where(and(eq(breakerTrips.accountId, input.accountId), isNull(breakerTrips.resumedAt)))
      .for("update");
    if (open.length === 0) return [];
    await tx
      .update(breakerTrips)
      .set({ resumedAt: new Date(nowMs), resumedByUserId: input.actorUserId, resumeReason: input.reason, cautiousUntil })
      .where(and(eq(breakerTrips.accountId, input.accountId), isNull(breakerTrips.resumedAt)));
    await recordAudit(tx, {
      accountId: input.accountId,
      actorUserId: input.actorUserId,
      action: "breaker.resumed",
      targetType: "account",
      targetId: input.accountId,
      before: { trips: open.map((t) => ({ id: t.id, scope: t.scope, apiKeyId: t.apiKeyId, cause: t.cause })) },
      after: { cautiousUntil },
      reason: input.reason,
    });
    return open;
  });
  const accountTrip = resumed.find((t) => t.scope === "account");
  if (accountTrip) {
    const [acc] = await db.select({ status: accounts.status, statusReason: accounts.statusReason }).from(accounts).where(eq(accounts.id, input.accountId));
    if (acc?.status === "frozen" && acc.statusReason === accountTrip.message) await setAccountStatus(db, input.accountId, "active", `breaker resumed: ${input.reason}`);
  }
  const state = breaker().state;
  for (const t of resumed) state.resume(t, cautiousUntil?.getTime() ?? null);
  // Trips this process enforces but never managed to save (persistTrip failed): not in the
  // database, so nothing above found them, yet they refuse every request here until resumed.
  const unsaved = unsavedTripsOf(input.accountId, new Set(resumed.map((t) => t.id)));
  for (const t of unsaved) state.resume(t, cautiousUntil?.getTime() ?? null);
  if (resumed.length === 0 && unsaved.length === 0 && !input.cautious) state.resume({ id: "", accountId: input.accountId, scope: "account", apiKeyId: null }, null);
  breaker().resumesSeen.set(input.accountId, nowMs);
  forgetAllCachedApiKeys();
  return { resumed: resumed.length + unsaved.length, cautiousUntil };
}

function unsavedTripsOf(accountId: string, saved: ReadonlySet<string>): Trip[] {
  const state = breaker().state;
  const inMemory = [state.tripOfAccount(accountId), ...[...state.frozenKeys.values()].filter((t) => t.accountId === accountId)];
  return inMemory.filter((t): t is Trip => t !== undefined && !saved.has(t.id));
}

export async function listTrips(db: Db, accountId: string, limit = 20) {
  return db.select().from(breakerTrips).where(eq(breakerTrips.accountId, accountId)).orderBy(desc(breakerTrips.trippedAt)).limit(limit);
}

type TripRow = typeof breakerTrips.$inferSelect;

/**
 * Other instances' trips and resumes, applied to this process's breaker: open trips freeze here
 * too; resumes unfreeze, start cautious mode and forget the hour that tripped.
 */
export async function syncBreakerState(db: Db): Promise<void> {
  const r = breaker();
  const nowMs = r.now();
  const since = new Date(nowMs - Math.max(getProtectionConfig().breaker.cautiousMs, 60_000) - 60_000).toISOString();
  const rows = (await db
    .select()
    .from(breakerTrips)
    .where(sql`${breakerTrips.resumedAt} is null or ${breakerTrips.resumedAt} >= ${since}::timestamptz`)) as TripRow[];
  for (const t of rows) {
    const trip: Trip = { id: t.id, accountId: t.accountId, scope: t.scope as BreakerScope, apiKeyId: t.apiKeyId, cause: t.cause as BreakerCause, message: t.message, details: t.details, trippedAt: t.trippedAt };
    if (!t.resumedAt) {
      const known = t.scope === "account" ? r.state.tripOfAccount(t.accountId) : t.apiKeyId ? r.state.tripOfKey(t.apiKeyId) : undefined;
      if (!known) r.state.freeze(trip);
      continue;
    }
    const seen = r.resumesSeen.get(t.accountId) ?? 0;
    if (t.resumedAt.getTime() > seen) {
      const until = t.cautiousUntil && t.cautiousUntil.getTime() > nowMs ? t.cautiousUntil.getTime() : null;
      r.state.resume(trip, until);
      r.resumesSeen.set(t.accountId, t.resumedAt.getTime());
    }
  }
}
