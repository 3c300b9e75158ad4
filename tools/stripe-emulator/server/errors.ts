/**
 * Stripe's error envelope: `{ error: { type, code, message, param, ... } }` with the
 * status code the SDK maps to its error classes (400/404 → StripeInvalidRequestError,
 * 401 → StripeAuthenticationError, 402 → StripeCardError, 5xx → StripeAPIError).
 */
export type StripeErrorType =
  | "api_error"
  | "card_error"
  | "idempotency_error"
  | "invalid_request_error";

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  doc_url?: string;
  charge?: string;
  payment_intent?: unknown;
  payment_method?: unknown;
  request_log_url?: string;
}

export class StripeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
  }
}

const DOCS = "https://docs.stripe.com/error-codes";

export function resourceMissing(kind: string, id: string, param = "id"): StripeApiError {
  return new StripeApiError(404, {
    type: "invalid_request_error",
    code: "resource_missing",
    param,
    message: `No such ${kind}: '${id}'`,
    doc_url: `${DOCS}/resource-missing`,
  });
}

export function parameterMissing(param: string): StripeApiError {
  return new StripeApiError(400, {
    type: "invalid_request_error",
    code: "parameter_missing",
    param,
    message: `Missing required param: ${param}.`,
    doc_url: `${DOCS}/parameter-missing`,
  });
}

export type InvalidKind = "integer" | "string_blank" | "empty" | "string_empty" | "boolean";

/**
 * Stripe uses `parameter_invalid_<kind>` codes for malformed scalars; for values that
 * are well-formed but not allowed (an unknown enum value, a price of the wrong type)
 * it sends a message without a code, and so do we.
 */
export function parameterInvalid(param: string, message: string, kind: InvalidKind | null = null): StripeApiError {
  const body: StripeErrorBody = { type: "invalid_request_error", param, message };
  if (kind !== null) {
    body.code = `parameter_invalid_${kind}`;
    body.doc_url = `${DOCS}/${body.code.replace(/_/g, "-")}`;
  }
  return new StripeApiError(400, body);
}

export function invalidRequest(message: string, extra: Partial<StripeErrorBody> = {}): StripeApiError {
  return new StripeApiError(400, { type: "invalid_request_error", message, ...extra });
}

export function unknownParameter(param: string): StripeApiError {
  return new StripeApiError(400, {
    type: "invalid_request_error",
    code: "parameter_unknown",
    param,
    message: `Received unknown parameter: ${param}. (The Stripe emulator accepts the parameters listed in tools/stripe-emulator/server/acceptedParams.ts.)`,
    doc_url: `${DOCS}/parameter-unknown`,
  });
}

export function unrecognizedUrl(method: string, path: string): StripeApiError {
  return new StripeApiError(404, {
    type: "invalid_request_error",
    message: `Unrecognized request URL (${method}: ${path}). The Stripe emulator does not implement this endpoint; see tools/stripe-emulator/README.md.`,
  });
}
