import type { Db } from "@/db/client";
import { AppError } from "@/lib/errors";
import { getBalance, type LimitNotice, type Receipt } from "@/lib/ledger";
import { notifyInBackground } from "@/lib/notifications";
import { getProtectionConfig } from "../config";
import { loadBaseline } from "./baseline";
import { requestFingerprint, type FingerprintInput } from "./fingerprint";
import { cautiousMessage, genericFrozenMessage, RESUME_PATH } from "./messages";
import { breaker } from "./registry";
import type { Trip } from "./state";
import { persistTrip, syncBreakerState } from "./trips";

/**
 * The breaker's two hooks on the gateway's request path. Both are synchronous and O(1) in the
 * breaker's windows (the body fingerprint is linear in the last two messages, capped); anything
 * that needs the database (persisting a trip, loading a baseline, syncing with other instances,
 * notifications) is started in the background and never awaited by the request.
 */

/** Before the hold: refuses a frozen account or key (403, saying why and how to resume) or a cautious account over its rate (429). */
export function assertBreakerAllows(db: Db, caller: { accountId: string; apiKeyId: string | null }, body?: FingerprintInput): void {
  const r = breaker();
  const nowMs = r.now();
  maybeSync(db, nowMs);
  const fingerprint = body && caller.apiKeyId ? requestFingerprint(body) : null;
  const decision = r.state.admit(caller.accountId, caller.apiKeyId, fingerprint, nowMs);
  if (decision.ok) return;
  if (decision.kind === "tripped") {
    void persistTrip(db, decision.trip).catch((e) => console.error(`breaker: could not persist trip ${decision.trip.id}`, e));
    throw frozenError(decision.trip);
  }
  if (decision.kind === "frozen") throw frozenError(decision.trip);
  const { requestsPerMinute, until } = { requestsPerMinute: getProtectionConfig().breaker.cautiousRequestsPerMinute, until: new Date(decision.until) };
  throw new AppError("rate_limited", cautiousMessage({ requestsPerMinute, until }), { details: { cautiousUntil: until.toISOString(), retryAfterSeconds: decision.retryAfterSeconds } });
}

/** How often one process may re-read the trips to confirm a freeze it is about to enforce. */
const CONFIRM_FREEZE_EVERY_MS = 250;

/**
 * Before refusing a caller this process holds frozen, re-reads the trips (at most once per 250 ms
 * per process, one query): a resume made in another process — Next while the front server of
 * `npm start` serves API-key calls, or another instance — then applies to the very next request
 * instead of after the periodic sync. Callers that are not frozen pay one map lookup.
 */
export async function confirmBreakerFreeze(db: Db, caller: { accountId: string; apiKeyId: string | null }): Promise<void> {
  const r = breaker();
  const frozen = r.state.frozenAccounts.has(caller.accountId) || (caller.apiKeyId !== null && r.state.frozenKeys.has(caller.apiKeyId));
  if (!frozen) return;
  const nowMs = r.now();
  if (nowMs - (r.freezeConfirmedAt ?? 0) < CONFIRM_FREEZE_EVERY_MS) return;
  r.freezeConfirmedAt = nowMs;
  r.lastSyncAt = nowMs;
  await syncBreakerState(db).catch((e) => console.error("breaker: confirming a freeze failed; enforcing it as known", e));
}

/**
 * The gateway's one breaker check before the hold: a freeze this process holds is confirmed first
 * (confirmBreakerFreeze), then the in-memory admission (assertBreakerAllows) decides.
 */
export async function checkBreakerBeforeHold(db: Db, caller: { accountId: string; apiKeyId: string | null }, body?: FingerprintInput): Promise<void> {
  await confirmBreakerFreeze(db, caller);
  assertBreakerAllows(db, caller, body);
}

/**
 * After a capture commits: counts the spend (may trip the account), raises the limit notices the
 * ledger returned, and checks the low-balance threshold. Never throws, never waits.
 */
export function afterCapture(db: Db, result: Receipt & { notices?: LimitNotice[] }): void {
  try {
    const r = breaker();
    const nowMs = r.now();
    if (result.chargedCredits > 0) {
      const { trip, needsBaseline } = r.state.recordSpend(result.accountId, result.chargedCredits, nowMs);
      if (needsBaseline) refreshBaseline(db, result.accountId, nowMs);
      if (trip) void persistTrip(db, trip).catch((e) => console.error(`breaker: could not persist trip ${trip.id}`, e));
      checkLowBalance(db, result.accountId, nowMs);
    }
    for (const n of result.notices ?? []) {
      const soft = n.kind === "soft_limit";
      notifyInBackground(db, {
        accountId: result.accountId,
        kind: n.kind,
        threshold: n.threshold,
        periodKey: n.periodStart.toISOString(),
        title: soft ? "Soft limit crossed" : "Hard limit reached",
        body: soft
          ? `This account has used ${n.value.toLocaleString("en-US")} credits this period, past its soft limit of ${n.threshold.toLocaleString("en-US")}.`
          : `This account reached its overage hard limit of ${n.threshold.toLocaleString("en-US")} credits for this period; requests that need overage are refused until the next period or a higher limit.`,
        link: "/settings/usage",
        details: { value: n.value },
      });
    }
  } catch (e) {
    console.error("breaker: afterCapture failed (the request is unaffected)", e);
  }
}

/** The 403 for a frozen account, with the breaker's reason when this process knows it. */
export function accountFrozenError(accountId: string): AppError {
  const trip = breaker().state.tripOfAccount(accountId);
  return trip ? frozenError(trip) : new AppError("account_frozen", genericFrozenMessage());
}

function frozenError(trip: Trip): AppError {
  return new AppError("account_frozen", trip.message, {
    details: { breaker: { tripId: trip.id, scope: trip.scope, cause: trip.cause, apiKeyId: trip.apiKeyId, trippedAt: trip.trippedAt.toISOString(), resume: RESUME_PATH } },
  });
}

function maybeSync(db: Db, nowMs: number): void {
  const r = breaker();
  if (r.syncing || nowMs - r.lastSyncAt < getProtectionConfig().breaker.syncIntervalMs) return;
  r.syncing = true;
  r.lastSyncAt = nowMs;
  void syncBreakerState(db)
    .catch((e) => console.error("breaker: sync failed", e))
    .finally(() => {
      r.syncing = false;
    });
}

function refreshBaseline(db: Db, accountId: string, nowMs: number): void {
  const { state } = breaker();
  state.markBaselineLoading(accountId, true);
  void loadBaseline(db, accountId, getProtectionConfig().breaker.baselineDays, nowMs)
    .then((b) => state.setBaseline(accountId, b))
    .catch((e) => {
      state.markBaselineLoading(accountId, false);
      console.error(`breaker: baseline of ${accountId} failed to load`, e);
    });
}

/** At most one balance read per account every 10 s per process; the notice itself is deduped per period. */
function checkLowBalance(db: Db, accountId: string, nowMs: number): void {
  const threshold = getProtectionConfig().lowBalanceCredits;
  if (threshold <= 0) return;
  const r = breaker();
  const last = r.lowBalanceCheckedAt.get(accountId);
  if (last !== undefined && nowMs - last < 10_000) return;
  if (r.lowBalanceCheckedAt.size > 100_000) r.lowBalanceCheckedAt.clear();
  r.lowBalanceCheckedAt.set(accountId, nowMs);
  void getBalance(db, accountId)
    .then((b) => {
      if (b.availableCredits >= threshold) return;
      notifyInBackground(db, {
        accountId,
        kind: "low_balance",
        threshold,
        periodKey: b.period.start.toISOString(),
        title: "Low balance",
        body: `This account has ${b.availableCredits.toLocaleString("en-US")} credits left, below ${threshold.toLocaleString("en-US")}. Buy a pack or turn on auto-recharge to keep requests flowing.`,
        link: "/settings/billing",
        details: { availableCredits: b.availableCredits },
      });
    })
    .catch((e) => console.error(`notifications: low-balance check of ${accountId} failed`, e));
}
