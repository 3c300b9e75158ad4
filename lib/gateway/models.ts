import { priceBook, STANDARD_MODEL_ID, TOKENS_PER_CREDIT_STANDARD, type ModelPrice } from "@/lib/config/price-book";

// A fixed "created" keeps the list byte-stable across deploys (clients cache it).
const CREATED = 1_767_225_600; // 2026-01-01T00:00:00Z

export function modelObject(m: ModelPrice) {
  return {
    id: m.id,
    object: "model" as const,
    created: CREATED,
    owned_by: "meterline",
    description: m.description,
    pricing: {
      unit: "credits",
      input_credits_per_1k_tokens: m.inputCreditsPer1K,
      output_credits_per_1k_tokens: m.outputCreditsPer1K,
      flat_credits_per_call: m.flatCreditsPerCall ?? 0,
    },
    max_output_tokens_default: m.maxOutputTokensDefault,
    max_output_tokens_limit: m.maxOutputTokensLimit,
  };
}

/**
 * OpenAI's model list, with each model's credit prices. Every account may use every model in the
 * price book today; a per-plan allow-list would filter here.
 */
export function listModels() {
  return {
    object: "list" as const,
    data: priceBook.map(modelObject),
    credit_ratio: { standard_model: STANDARD_MODEL_ID, tokens_per_credit: TOKENS_PER_CREDIT_STANDARD },
  };
}
