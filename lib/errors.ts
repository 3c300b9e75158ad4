/**
 * The one error type the domain throws. Its code decides the HTTP status (see ./http/errors.ts);
 * its message is safe to show to the caller. Anything that is not an AppError is a bug and is
 * answered with a generic 500.
 */
export const errorStatusByCode = {
  bad_request: 400,
  invalid_input: 422,
  unauthenticated: 401,
  insufficient_credits: 402,
  hard_limit_reached: 402,
  overage_blocked: 402,
  forbidden: 403,
  account_frozen: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  upstream_failed: 502,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof errorStatusByCode;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options?: { details?: Record<string, unknown>; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = "AppError";
    this.code = code;
    this.details = options?.details;
  }

  get status(): number {
    return errorStatusByCode[this.code];
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

export const notFound = (what: string) => new AppError("not_found", `${what} not found`);
export const forbidden = (message = "You do not have permission to do that") => new AppError("forbidden", message);
