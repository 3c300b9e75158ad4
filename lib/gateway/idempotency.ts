import { and, eq, lt, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { gatewayIdempotencyKeys, usageEvents } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { openAiErrorBody } from "./http/openai-error";
import { HEADER } from "./respond";

/**
 * Idempotency-Key, the way Stripe does it: the first request with a key runs; a retry with the
 * same key and body gets the stored result (charged once); the same key with another body is
 * refused (422); a duplicate that arrives while the first is still running gets 409 — the
 * official clients retry 409 with backoff, and by then the stored result is there.
 *
 * Failures that charged nothing (refused, upstream down before the first byte) are not stored:
 * the retry simply runs again, e.g. after a top-up. Once a request was charged its key keeps
 * that outcome (a stream cut mid-way is stored as its partial result), so a retry never pays twice.
 * A key past its retention (expires_at) counts as absent, even before the purge job deletes it.
 */
export const IDEMPOTENCY_RETENTION_SECONDS = 24 * 3600;
/** A run still "in progress" after this was abandoned by a dead process and may be taken over. */
export const IDEMPOTENCY_LOCK_SECONDS = 15 * 60;

export type StoredResponse = { status: number; headers: Record<string, string>; body: string; stream: boolean };

export type IdempotencyClaim = { kind: "claimed" } | { kind: "replay"; requestId: string; response: StoredResponse };

type Key = { accountId: string; key: string };

export function assertValidIdempotencyKey(key: string): void {
  if (key.length === 0 || key.length > 255) {
    throw new AppError("invalid_input", "Idempotency-Key must be 1 to 255 characters", { details: { param: "Idempotency-Key" } });
  }
}

/** Claims the key for this request, or returns the stored result of the first one. */
export async function claimIdempotencyKeyOrThrow(db: DbOrTx, input: Key & { fingerprint: string; requestId: string; stream: boolean }): Promise<IdempotencyClaim> {
  const inserted = await db
    .insert(gatewayIdempotencyKeys)
    .values({
      accountId: input.accountId,
      key: input.key,
      fingerprint: input.fingerprint,
      requestId: input.requestId,
      state: "in_progress",
      stream: input.stream,
      lockedUntil: sql`now() + make_interval(secs => ${IDEMPOTENCY_LOCK_SECONDS})`,
      expiresAt: sql`now() + make_interval(secs => ${IDEMPOTENCY_RETENTION_SECONDS})`,
    })
    // A key past its retention is absent: the new request takes the row over in the same statement.
    .onConflictDoUpdate({
      target: [gatewayIdempotencyKeys.accountId, gatewayIdempotencyKeys.key],
      set: {
        fingerprint: input.fingerprint,
        requestId: input.requestId,
        state: "in_progress",
        responseStatus: null,
        responseHeaders: null,
        responseBody: null,
        stream: input.stream,
        lockedUntil: sql`now() + make_interval(secs => ${IDEMPOTENCY_LOCK_SECONDS})`,
        expiresAt: sql`now() + make_interval(secs => ${IDEMPOTENCY_RETENTION_SECONDS})`,
        createdAt: sql`now()`,
        updatedAt: sql`now()`,
      },
      setWhere: sql`${gatewayIdempotencyKeys.expiresAt} <= now()`,
    })
    .returning({ requestId: gatewayIdempotencyKeys.requestId });
  if (inserted.length > 0) return { kind: "claimed" };

  const [row] = await db
    .select()
    .from(gatewayIdempotencyKeys)
    .where(and(eq(gatewayIdempotencyKeys.accountId, input.accountId), eq(gatewayIdempotencyKeys.key, input.key)));
  // Deleted between our insert and select (the first run failed): claim it afresh.
  if (!row) return claimIdempotencyKeyOrThrow(db, input);
  if (row.fingerprint !== input.fingerprint) {
    throw new AppError("invalid_input", "This Idempotency-Key was already used with a different request; use a new key for a new request", {
      details: { param: "Idempotency-Key", reason: "idempotency_key_reused", firstRequestId: row.requestId },
    });
  }
  if (row.state === "completed") {
    return {
      kind: "replay",
      requestId: row.requestId,
      response: { status: row.responseStatus ?? 200, headers: row.responseHeaders ?? {}, body: row.responseBody ?? "", stream: row.stream },
    };
  }
  // The lock passed, but the first run was charged (its process died, or it could not store its
  // answer): the key keeps "already charged" instead of letting a second run charge again.
  if (row.lockedUntil.getTime() <= Date.now()) {
    const [charged] = await db
      .select({ chargedCredits: usageEvents.chargedCredits })
      .from(usageEvents)
      .where(and(eq(usageEvents.accountId, input.accountId), eq(usageEvents.requestId, row.requestId)));
    if (charged) {
      const response = alreadyChargedResponse(row.requestId, charged.chargedCredits);
      await completeIdempotencyKey(db, { accountId: input.accountId, key: input.key, requestId: row.requestId, response });
      return { kind: "replay", requestId: row.requestId, response };
    }
  }
  const takenOver = await db
    .update(gatewayIdempotencyKeys)
    .set({ requestId: input.requestId, lockedUntil: sql`now() + make_interval(secs => ${IDEMPOTENCY_LOCK_SECONDS})`, updatedAt: sql`now()` })
    .where(
      and(
        eq(gatewayIdempotencyKeys.accountId, input.accountId),
        eq(gatewayIdempotencyKeys.key, input.key),
        eq(gatewayIdempotencyKeys.state, "in_progress"),
        lt(gatewayIdempotencyKeys.lockedUntil, sql`now()`),
      ),
    )
    .returning({ requestId: gatewayIdempotencyKeys.requestId });
  if (takenOver.length > 0) return { kind: "claimed" };
  throw new AppError("conflict", "A request with this Idempotency-Key is still in progress; retry shortly to get its result", {
    details: { reason: "idempotency_in_progress", firstRequestId: row.requestId },
  });
}

/** Stores the final result; only the run that holds the claim (same request id) can complete it. */
export async function completeIdempotencyKey(db: DbOrTx, input: Key & { requestId: string; response: StoredResponse }): Promise<void> {
  await db
    .update(gatewayIdempotencyKeys)
    .set({
      state: "completed",
      responseStatus: input.response.status,
      responseHeaders: input.response.headers,
      responseBody: input.response.body,
      stream: input.response.stream,
      updatedAt: sql`now()`,
    })
    .where(and(eq(gatewayIdempotencyKeys.accountId, input.accountId), eq(gatewayIdempotencyKeys.key, input.key), eq(gatewayIdempotencyKeys.requestId, input.requestId)));
}

/**
 * What a key replays when its request was charged but its answer could not be stored: 409 with the
 * request id whose receipt (/api/v1/receipts/{id}) shows the charge. Retrying cannot charge again.
 */
export function alreadyChargedResponse(requestId: string, chargedCredits: number): StoredResponse {
  const { status, body } = openAiErrorBody(
    new AppError("conflict", `The request with this Idempotency-Key was already charged (${chargedCredits} credits) as ${requestId}, but its answer could not be kept; see /api/v1/receipts/${requestId}. Use a new key to run it again`, {
      details: { reason: "idempotency_already_charged", chargedCredits },
    }),
  );
  return {
    status,
    headers: { "content-type": "application/json", [HEADER.requestId]: requestId, [HEADER.creditsCharged]: String(chargedCredits) },
    body: JSON.stringify(body),
    stream: false,
  };
}

/** Gives the key back after a failure so a retry runs again — only when nothing was charged. */
export async function releaseIdempotencyKey(db: DbOrTx, input: Key & { requestId: string }): Promise<void> {
  await db
    .delete(gatewayIdempotencyKeys)
    .where(
      and(
        eq(gatewayIdempotencyKeys.accountId, input.accountId),
        eq(gatewayIdempotencyKeys.key, input.key),
        eq(gatewayIdempotencyKeys.requestId, input.requestId),
        eq(gatewayIdempotencyKeys.state, "in_progress"),
        // Belt and braces: a request with a receipt was charged; its key is never given back.
        sql`not exists (select 1 from ${usageEvents} where ${usageEvents.accountId} = ${input.accountId} and ${usageEvents.requestId} = ${input.requestId})`,
      ),
    );
}

export async function purgeExpiredIdempotencyKeys(db: DbOrTx, now: Date = new Date()): Promise<number> {
  const rows = await db.delete(gatewayIdempotencyKeys).where(lt(gatewayIdempotencyKeys.expiresAt, now)).returning({ key: gatewayIdempotencyKeys.key });
  return rows.length;
}
