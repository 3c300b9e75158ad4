import type { LimitNotice, Receipt } from "./types";

/** A usage_events row as jsonb (snake_case, what ledger_apply returns) → the public Receipt. */
type ReceiptRow = {
  account_id: string;
  request_id: string;
  user_id: string | null;
  api_key_id: string | null;
  action: string | null;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  cache_hit: boolean;
  status: string;
  latency_ms: number | null;
  held_credits: number;
  requested_credits: number;
  charged_credits: number;
  capped_credits: number;
  overage_credits: number;
  included_credits: number;
  grants: Receipt["grants"];
  created_at: string;
};
type RawNotice = Omit<LimitNotice, "periodStart"> & { periodStart: string };

export function receiptFromJson(raw: unknown): Receipt {
  const r = raw as ReceiptRow;
  return {
    requestId: r.request_id,
    accountId: r.account_id,
    createdAt: new Date(r.created_at),
    model: r.model,
    action: r.action ?? null,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    cachedTokens: r.cached_tokens,
    cacheHit: r.cache_hit,
    status: r.status,
    heldCredits: r.held_credits,
    chargedCredits: r.charged_credits,
    overageCredits: r.overage_credits,
    requestedCredits: r.requested_credits,
    cappedCredits: r.capped_credits,
    includedCredits: r.included_credits,
    grants: r.grants,
    userId: r.user_id ?? null,
    apiKeyId: r.api_key_id ?? null,
    latencyMs: r.latency_ms ?? null,
  };
}

export function noticesFromJson(raw: unknown): LimitNotice[] {
  return ((raw as RawNotice[] | null) ?? []).map((n) => ({ ...n, periodStart: new Date(n.periodStart) }));
}
