import type { Db } from "@/db/client";
import { AppError } from "@/lib/errors";
import { reserve, type Hold } from "@/lib/ledger";
import type { GatewayCaller } from "./http/authenticate";
import { HOLD_TTL_SECONDS, holdPoolFor } from "./hold-pool";
import type { PreparedCompletion } from "./prepare";

export type RequestHold = {
  hold: Hold;
  /** The request's id from here on: its own, or that of the hold placed ahead it took. */
  requestId: string;
  fromPool: boolean;
  /** For Settlement: tops up the key's pool in the same ledger call as this request's capture or release. */
  onSettleSubmitted?: () => void;
};

/**
 * The hold one completion runs on (architecture §3: the worst case, in the ledger, before the call).
 * A busy key's request takes one placed ahead of it, already committed (./hold-pool.ts); with an
 * Idempotency-Key the request id was claimed before this, and a signed-in session has no key, so
 * those hold for themselves. Refusals are the ledger's (AppError), never the pool's.
 */
export async function holdForRequest(
  db: Db,
  call: { caller: GatewayCaller; requestId: string; idempotent: boolean; adoptRequestId?: (requestId: string) => void },
  prepared: PreparedCompletion,
): Promise<RequestHold> {
  const { caller } = call;
  const pool = caller.apiKeyId !== null && !call.idempotent ? holdPoolFor(db) : null;
  const lane = pool && caller.apiKeyId !== null ? { accountId: caller.accountId, userId: caller.userId, apiKeyId: caller.apiKeyId, stream: prepared.stream } : null;
  const onSettleSubmitted = pool && lane ? () => pool.topUp(lane) : undefined;

  const pooled = pool && lane ? await pool.take(lane, prepared.holdCredits) : null;
  if (pooled) {
    call.adoptRequestId?.(pooled.requestId);
    return { hold: pooled, requestId: pooled.requestId, fromPool: true, onSettleSubmitted };
  }
  const own = {
    accountId: caller.accountId,
    requestId: call.requestId,
    credits: prepared.holdCredits,
    meta: { userId: caller.userId, apiKeyId: caller.apiKeyId, action: prepared.action, model: prepared.price.id },
    ttlSeconds: prepared.stream ? HOLD_TTL_SECONDS.stream : HOLD_TTL_SECONDS.json,
  };
  const hold = await reserve(db, own).catch(async (e: unknown) => {
    // Never refused for credits this process set aside for the account (whoever calls: a key with
    // an Idempotency-Key, the playground): give them back and try once more.
    const setAside = isCreditRefusal(e) ? (pool ?? holdPoolFor(db)) : null;
    if (setAside && (await setAside.giveBackAccount(caller.accountId))) return reserve(db, own);
    throw e;
  });
  return { hold, requestId: call.requestId, fromPool: false, onSettleSubmitted };
}

const isCreditRefusal = (e: unknown) => e instanceof AppError && (e.code === "insufficient_credits" || e.code === "overage_blocked" || e.code === "hard_limit_reached");
