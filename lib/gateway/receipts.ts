import type { Db } from "@/db/client";
import { getHoldStatus, getReceipt, type Receipt } from "@/lib/ledger";
import { AppError, notFound } from "@/lib/errors";
import { settledHere } from "./settle-behind";

/** How long a receipt request waits for a capture another process is still committing. */
const SETTLING_WAIT_MS = 2_000;
const SETTLING_POLL_MS = 25;

/**
 * One request's receipt, scoped to the caller's account (another account's id is a 404). A call is
 * answered while its capture may still be committing (./settle-behind.ts), so a client that asks
 * for the receipt at once waits for it: for the capture itself when this process made it, else
 * for as long as the request's hold is still held, up to 2 s.
 */
export async function getReceiptOrThrow(db: Db, accountId: string, requestId: string) {
  await settledHere(requestId);
  const until = Date.now() + SETTLING_WAIT_MS;
  for (;;) {
    const receipt = await getReceipt(db, accountId, requestId);
    if (receipt) return receiptObject(receipt);
    if ((await getHoldStatus(db, accountId, requestId)) !== "held") throw notFound(`Receipt for request ${requestId}`);
    if (Date.now() >= until) {
      throw new AppError("not_found", `Request ${requestId} is still in progress; its receipt is written when it ends`, { details: { status: "held" } });
    }
    await new Promise((r) => setTimeout(r, SETTLING_POLL_MS));
  }
}

/** The receipt in the API's snake_case, like the rest of /api/v1. */
export function receiptObject(r: Receipt) {
  return {
    object: "receipt" as const,
    id: r.requestId,
    created: Math.floor(r.createdAt.getTime() / 1000),
    model: r.model,
    action: r.action,
    status: r.status,
    cache_hit: r.cacheHit,
    usage: { prompt_tokens: r.inputTokens, completion_tokens: r.outputTokens, cached_tokens: r.cachedTokens, total_tokens: r.inputTokens + r.outputTokens },
    credits: {
      held: r.heldCredits,
      requested: r.requestedCredits,
      charged: r.chargedCredits,
      capped: r.cappedCredits,
      overage: r.overageCredits,
      /** Of the charge, how much came from the plan's included allowance. */
      included: r.includedCredits,
    },
    grants: r.grants.map((g) => ({ grant_id: g.grantId, kind: g.kind, credits: g.credits })),
    user_id: r.userId,
    api_key_id: r.apiKeyId,
    latency_ms: r.latencyMs,
  };
}
