import type { ErrorCode } from "@/lib/errors";
import { toAppError } from "@/lib/http/errors";
import { textResponse } from "../respond";

/**
 * Errors in OpenAI's shape, `{ error: { message, type, code, param } }`, so the official clients
 * raise their usual typed errors (AuthenticationError, RateLimitError, …). The status comes from
 * the app's one code→status table; this only chooses `type` and `code`.
 */
export type OpenAiErrorBody = { error: { message: string; type: string; code: string | null; param: string | null } & Record<string, unknown> };

const typeByCode: Record<ErrorCode, string> = {
  bad_request: "invalid_request_error",
  invalid_input: "invalid_request_error",
  unauthenticated: "authentication_error",
  insufficient_credits: "insufficient_credits",
  hard_limit_reached: "hard_limit_reached",
  overage_blocked: "overage_blocked",
  forbidden: "permission_error",
  account_frozen: "account_frozen",
  not_found: "invalid_request_error",
  conflict: "conflict_error",
  rate_limited: "rate_limit_error",
  upstream_failed: "upstream_error",
  internal: "server_error",
};

const wireCodeByCode: Partial<Record<ErrorCode, string>> = {
  unauthenticated: "invalid_api_key",
  rate_limited: "rate_limit_exceeded",
  internal: "internal_error",
};

/** What the customer should do next, appended to the ledger's reason for a 402/403. */
const nextStepByCode: Partial<Record<ErrorCode, string>> = {
  insufficient_credits: "Top up credits in /settings/usage (or lower max_tokens) and retry.",
  hard_limit_reached: "An admin can raise the hard limit in /settings/usage.",
  overage_blocked: "Top up credits, or an admin can allow overage in /settings/usage.",
  account_frozen: "Contact support or an account owner to unfreeze the account.",
};

export function openAiErrorBody(e: unknown): { status: number; body: OpenAiErrorBody } {
  const err = toAppError(e);
  const details = err.details ?? {};
  const next = nextStepByCode[err.code];
  const message = next && !err.message.includes("/settings/usage") ? `${err.message}. ${next}`.replace(/\.\. /, ". ") : err.message;
  const reason = typeof details.reason === "string" ? details.reason : undefined;
  return {
    status: err.status,
    body: {
      error: {
        message,
        type: typeByCode[err.code],
        code: reason ?? wireCodeByCode[err.code] ?? err.code,
        param: paramOf(details),
        ...pickNumbers(details),
      },
    },
  };
}

export function openAiErrorResponse(e: unknown, headers: Record<string, string>): Response {
  const { status, body } = openAiErrorBody(e);
  return textResponse(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

function paramOf(details: Record<string, unknown>): string | null {
  if (typeof details.param === "string") return details.param;
  const fields = details.fields;
  if (fields && typeof fields === "object") return Object.keys(fields)[0] ?? null;
  return null;
}

// Numbers the ledger attaches (availableCredits, requestedCredits, …) help a client decide what to do.
function pickNumbers(details: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(details)) {
    if (typeof v === "number") out[snake(k)] = v;
  }
  return out;
}

function snake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
