import { createHash } from "node:crypto";
import type { EmulatorState } from "../state/store";
import { StripeApiError } from "./errors";

/** Stripe keeps idempotency results for 24 hours. */
const RETENTION_MS = 24 * 60 * 60 * 1000;

export interface CachedResponse {
  status: number;
  body: string;
}

export function fingerprint(method: string, path: string, body: string): string {
  const canonical = body.split("&").filter(Boolean).sort().join("&");
  return createHash("sha256").update(`${method} ${path}\n${canonical}`).digest("hex");
}

/**
 * Same key + same request → the stored response, byte for byte. Same key with
 * different parameters → 400 `idempotency_error`, as Stripe answers.
 */
export function replayIfSeen(state: EmulatorState, scope: string, key: string, method: string, path: string, print: string): CachedResponse | null {
  prune(state);
  const record = state.idempotency[`${scope}:${key}`];
  if (!record) return null;
  if (record.fingerprint !== print || record.method !== method || record.path !== path) {
    throw new StripeApiError(400, {
      type: "idempotency_error",
      message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
    });
  }
  return { status: record.status, body: record.body };
}

export function remember(state: EmulatorState, scope: string, key: string, method: string, path: string, print: string, response: CachedResponse): void {
  state.idempotency[`${scope}:${key}`] = { fingerprint: print, method, path, status: response.status, body: response.body, createdAtMs: Date.now() };
}

function prune(state: EmulatorState): void {
  const cutoff = Date.now() - RETENTION_MS;
  for (const [k, record] of Object.entries(state.idempotency)) {
    if (record.createdAtMs < cutoff) delete state.idempotency[k];
  }
}
