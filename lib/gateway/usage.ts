/** Token usage as the ledger records it. */
export type TokenUsage = { inputTokens: number; outputTokens: number; cachedTokens: number };

/**
 * Reads an OpenAI `usage` object; null when it is missing or not made of whole non-negative
 * numbers (then the gateway counts the tokens itself).
 */
export function usageFromUpstream(raw: unknown): TokenUsage | null {
  if (!raw || typeof raw !== "object") return null;
  const u = raw as { prompt_tokens?: unknown; completion_tokens?: unknown; prompt_tokens_details?: { cached_tokens?: unknown } | null };
  if (!isCount(u.prompt_tokens) || !isCount(u.completion_tokens)) return null;
  const cached = u.prompt_tokens_details?.cached_tokens;
  return { inputTokens: u.prompt_tokens, outputTokens: u.completion_tokens, cachedTokens: isCount(cached) ? cached : 0 };
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/** The `usage` object the gateway returns: OpenAI's fields plus what was charged. */
export function usageForClient(usage: TokenUsage, creditsCharged: number, upstreamUsage?: unknown): Record<string, unknown> {
  const base = upstreamUsage && typeof upstreamUsage === "object" ? { ...(upstreamUsage as Record<string, unknown>) } : {};
  return {
    ...base,
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    credits_charged: creditsCharged,
  };
}
