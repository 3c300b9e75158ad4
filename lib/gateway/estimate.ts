import type { Db } from "@/db/client";
import { getBalance } from "@/lib/ledger";
import { creditsFor } from "./pricing";
import { prepareCompletion, type RequestOptions } from "./prepare";
import type { ChatCompletionBody } from "./schemas";

/**
 * The per-action cost preview: what a completion with this body would hold, and the range it is
 * likely to cost — from the prompt alone (an empty answer) up to the hold (an answer of
 * max_tokens). No model is called and nothing is held.
 */
export async function estimateCompletion(db: Db, accountId: string, body: ChatCompletionBody, options: RequestOptions) {
  const p = prepareCompletion(body, options);
  const n = body.n ?? 1;
  const balance = await getBalance(db, accountId);
  const overageRoom = balance.overage.allowed && !balance.overage.blocked
    ? balance.overage.limitCredits === null ? Number.MAX_SAFE_INTEGER : Math.max(0, balance.overage.limitCredits - balance.overage.usedCredits - balance.overage.heldCredits)
    : 0;
  return {
    object: "estimate" as const,
    model: p.price.id,
    input_tokens: p.inputTokens,
    max_output_tokens: p.maxOutputTokens * n,
    hold_credits: p.holdCredits,
    likely_credits: { min: creditsFor(p.price, { inputTokens: p.inputTokens, outputTokens: 0 }), max: p.holdCredits },
    available_credits: balance.availableCredits,
    /** The hold fits in the balance plus any overage room: the request would not be refused for credits. */
    affordable: p.holdCredits <= balance.availableCredits + overageRoom,
  };
}
