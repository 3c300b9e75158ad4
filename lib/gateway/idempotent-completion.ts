import type { Db } from "@/db/client";
import { canonicalJson } from "./canonical";
import { sha256Hex } from "@/lib/crypto";
import { runChatCompletion, type CompletionCall } from "./chat-completion";
import { assertValidIdempotencyKey, claimIdempotencyKeyOrThrow, completeIdempotencyKey, releaseIdempotencyKey } from "./idempotency";
import { HEADER } from "./respond";

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
    return new Response(body, { status, headers: { ...headers, [HEADER.requestId]: claim.requestId, [HEADER.replayed]: "true" } });
  }
  const giveBack = () => releaseIdempotencyKey(db, { ...key, requestId: call.requestId });
  try {
    return await runChatCompletion(db, {
      ...call,
      onFinalResponse: (response) => completeIdempotencyKey(db, { ...key, requestId: call.requestId, response }),
      onStreamAbandoned: giveBack,
    });
  } catch (e) {
    await giveBack().catch((err) => console.error("gateway: releasing an Idempotency-Key failed", err));
    throw e;
  }
}
