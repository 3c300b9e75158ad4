import type { Receipt } from "@/lib/ledger";
import { HEADER, completionAsSse } from "./respond";
import { usageForClient, type TokenUsage } from "./usage";

/** Finish reason given to a choice the stream was cut in: the answer was truncated, like a token limit. */
export const CUT_FINISH_REASON = "length";

/**
 * What an Idempotency-Key replays for a stream that was cut (client left, upstream broke) after
 * it was charged: a complete SSE stream of exactly the part that was generated and charged,
 * every cut choice finishing with "length", the usage of that part with `credits_charged` and
 * `status: "partial"`, then [DONE]. Same request id as the receipt.
 */
export function partialStreamReplay(input: {
  requestId: string;
  model: string;
  separateUsageChunk: boolean;
  choices: Record<string, unknown>[];
  usage: TokenUsage;
  receipt: Receipt;
}): { headers: Record<string, string>; body: string } {
  // Cut before the first token: still one (empty) choice, so the usage has a chunk to ride on.
  const delivered = input.choices.length > 0 ? input.choices : [{ index: 0, message: { role: "assistant", content: "" }, finish_reason: null }];
  const choices = delivered.map((c) => ({ ...c, finish_reason: typeof c.finish_reason === "string" ? c.finish_reason : CUT_FINISH_REASON }));
  const usage = { ...usageForClient(input.usage, input.receipt.chargedCredits), status: "partial" };
  const body = completionAsSse({ choices }, { requestId: input.requestId, model: input.model, usage, separateUsageChunk: input.separateUsageChunk });
  return { headers: { [HEADER.creditsCharged]: String(input.receipt.chargedCredits), [HEADER.completionStatus]: "partial" }, body };
}
