import type { ModelPrice } from "@/lib/config/price-book";
import { AppError } from "@/lib/errors";

/**
 * Credits for a call: ceil((in·pIn + out·pOut) / 1000) + flat. Integer arithmetic only; the
 * ceiling is applied once to the sum so a call is never rounded up twice.
 */
export function creditsFor(price: ModelPrice, usage: { inputTokens: number; outputTokens: number }): number {
  const perMille = usage.inputTokens * price.inputCreditsPer1K + usage.outputTokens * price.outputCreditsPer1K;
  const credits = Math.ceil(perMille / 1000) + (price.flatCreditsPerCall ?? 0);
  if (!Number.isSafeInteger(credits) || credits < 0) {
    throw new AppError("internal", "Credit computation overflowed", { details: { model: price.id, ...usage } });
  }
  return credits;
}

/**
 * The output tokens a request may produce, which is what the hold covers: the request's own
 * max_tokens (or max_completion_tokens), else the model's default. Above the model's limit the
 * request is refused rather than silently capped, so the caller knows why.
 */
export function maxOutputTokensFor(price: ModelPrice, requested: number | undefined): number {
  if (requested === undefined) return price.maxOutputTokensDefault;
  if (requested > price.maxOutputTokensLimit) {
    throw new AppError("invalid_input", `max_tokens: at most ${price.maxOutputTokensLimit} for model ${price.id}`, {
      details: { param: "max_tokens", limit: price.maxOutputTokensLimit },
    });
  }
  return requested;
}

/** The credits to hold before calling the model: the prompt as counted + every token it may write. */
export function worstCaseCredits(price: ModelPrice, inputTokens: number, maxOutputTokens: number): number {
  return creditsFor(price, { inputTokens, outputTokens: maxOutputTokens });
}
