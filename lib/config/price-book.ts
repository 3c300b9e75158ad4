/**
 * The price book: which models the gateway offers and what they cost, in credits (the ledger's
 * integer unit, the one the customer sees). A forker edits this file.
 *
 * Posted ratio: 1 credit = 1 token of the standard model. Prices are credits per 1,000 tokens so
 * a model three times dearer than the standard one is simply 3000 per 1K; small requests are not
 * rounded up to a whole "cent" of credits. All values are integers.
 */
export type ModelPrice = {
  /** The model name clients send (`model` in the request body) and see in responses. */
  id: string;
  /** Shown on /api/v1/models and the pricing page. */
  description: string;
  /** The model name sent to the upstream provider. */
  upstreamModel: string;
  /** Credits per 1,000 prompt tokens. */
  inputCreditsPer1K: number;
  /** Credits per 1,000 completion tokens. */
  outputCreditsPer1K: number;
  /** Credits added to every call (0 when absent), e.g. for a tool or retrieval surcharge. */
  flatCreditsPerCall?: number;
  /** Output tokens held for when the request sets no `max_tokens`. */
  maxOutputTokensDefault: number;
  /** A request's `max_tokens` above this is refused (422): the hold must stay bounded. */
  maxOutputTokensLimit: number;
  /**
   * Which upstream serves it: "default" = LLM_BASE_URL / LLM_API_KEY; any other name NAME reads
   * LLM_UPSTREAM_<NAME>_BASE_URL / LLM_UPSTREAM_<NAME>_API_KEY (see lib/gateway/upstream/resolve.ts).
   */
  upstream?: "default" | (string & {});
};

/** The posted ratio for the pricing page: one credit buys this many tokens of the standard model. */
export const TOKENS_PER_CREDIT_STANDARD = 1;
export const STANDARD_MODEL_ID = "standard";

export const priceBook: readonly ModelPrice[] = [
  {
    id: "standard",
    description: "The standard model: 1 credit per token in and out.",
    upstreamModel: "mock-small",
    inputCreditsPer1K: 1000,
    outputCreditsPer1K: 1000,
    maxOutputTokensDefault: 1024,
    maxOutputTokensLimit: 16_384,
  },
  {
    id: "mock-small",
    description: "Small, fast mock model (same price as standard).",
    upstreamModel: "mock-small",
    inputCreditsPer1K: 1000,
    outputCreditsPer1K: 1000,
    maxOutputTokensDefault: 1024,
    maxOutputTokensLimit: 16_384,
  },
  {
    id: "mock-large",
    description: "Large mock model: 3 credits per input token, 9 per output token.",
    upstreamModel: "mock-large",
    inputCreditsPer1K: 3000,
    outputCreditsPer1K: 9000,
    maxOutputTokensDefault: 1024,
    maxOutputTokensLimit: 8192,
  },
];

const byId = new Map(priceBook.map((m) => [m.id, m]));

/** The model's price entry, or undefined when the price book does not offer it. */
export function findModelPrice(id: string): ModelPrice | undefined {
  return byId.get(id);
}
