import type { Db } from "@/db/client";
import { getReceipt, type Receipt } from "@/lib/ledger";
import { notFound } from "@/lib/errors";

/** One request's receipt, scoped to the caller's account (another account's id is a 404). */
export async function getReceiptOrThrow(db: Db, accountId: string, requestId: string) {
  const receipt = await getReceipt(db, accountId, requestId);
  if (!receipt) throw notFound(`Receipt for request ${requestId}`);
  return receiptObject(receipt);
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
