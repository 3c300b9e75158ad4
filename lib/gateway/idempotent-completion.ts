import type { Db } from "@/db/client";
import { canonicalJson } from "./canonical";
import { sha256Hex } from "@/lib/crypto";
import { runChatCompletion, type CompletionCall } from "./chat-completion";
import {
  alreadyChargedResponse,
  assertValidIdempotencyKey,
  claimIdempotencyKeyOrThrow,
  completeIdempotencyKey,
  releaseIdempotencyKey,
  type StoredResponse,
} from "./idempotency";
import { HEADER, textResponse } from "./respond";

/**
 * A chat completion under an optional Idempotency-Key: the first run is stored, a retry replays
 * it (same request id, same body, same credits, `idempotent-replayed: true`), charged once.
 * Without a key this is just runChatCompletion — no extra database work on the hot path.
 */
export async function runChatCompletionIdempotently(db: Db, call: Omit<CompletionCall, "onFinalResponse" | "onStreamAbandoned">, idempotencyKey: string | null): Promise<Response> {
  if (idempotencyKey === null) return runChatCompletion(db, call);
  assertValidIdempotencyKey(idempotencyKey);
  const key = { accountId: call.caller.accountId, key: idempotencyKey };
  const claim = await claimIdempotencyKeyOrThrow(db, {
    ...key,
    fingerprint: sha256Hex(`POST /chat/completions\n${canonicalJson(call.body)}`),
    requestId: call.requestId,
    stream: call.body.stream === true,
  });
  if (claim.kind === "replay") {
    const { status, headers, body } = claim.response;
    return textResponse(body, { status, headers: { ...headers, [HEADER.requestId]: claim.requestId, [HEADER.replayed]: "true" } });
  }
  const owned = { ...key, requestId: call.requestId };
  const giveBack = () => releaseIdempotencyKey(db, owned);
  try {
    return await runChatCompletion(db, {
      ...call,
      onFinalResponse: (response, charged) => storeChargedOutcome(db, owned, response, charged.chargedCredits),
      onStreamAbandoned: giveBack,
    });
  } catch (e) {
    // Only reached before anything was charged (after the charge the answer is always returned).
    await giveBack().catch((err) => console.error("gateway: releasing an Idempotency-Key failed", err));
    throw e;
  }
}

/**
 * The request was charged: its key must keep that outcome, or a retry would run and pay again.
 * The full answer is stored (one retry on failure); failing that, the key is completed with a
 * small "already charged" 409 pointing at the receipt. If even that fails, the claim's takeover
 * finds the receipt and answers the same 409 (see claimIdempotencyKeyOrThrow).
 */
async function storeChargedOutcome(db: Db, owned: { accountId: string; key: string; requestId: string }, response: StoredResponse, chargedCredits: number): Promise<void> {
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      await completeIdempotencyKey(db, { ...owned, response });
      return;
    } catch (e) {
      console.error(`gateway: storing the Idempotency-Key result of ${owned.requestId} failed (attempt ${attempt})`, e);
    }
  }
  await completeIdempotencyKey(db, { ...owned, response: alreadyChargedResponse(owned.requestId, chargedCredits) });
}
