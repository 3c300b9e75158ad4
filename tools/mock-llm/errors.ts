/** Error bodies in OpenAI's shape: `{ error: { message, type, param, code } }`. */

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface HttpError {
  status: number;
  body: OpenAiErrorBody;
  /** Extra response headers, e.g. retry-after on injected 429s. */
  headers?: Record<string, string>;
}

function openAiError(
  status: number,
  message: string,
  type: string,
  code: string | null = null,
  param: string | null = null,
): HttpError {
  return { status, body: { error: { message, type, param, code } } };
}

export function invalidRequest(message: string, param: string | null = null): HttpError {
  return openAiError(400, message, "invalid_request_error", null, param);
}

export function missingApiKey(): HttpError {
  return openAiError(
    401,
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    "invalid_request_error",
  );
}

export function notFound(method: string, path: string): HttpError {
  return openAiError(404, `Invalid URL (${method} ${path})`, "invalid_request_error");
}

export function bodyTooLarge(limitBytes: number): HttpError {
  return openAiError(413, `Request body exceeds ${limitBytes} bytes.`, "invalid_request_error");
}

/** The errors real OpenAI returns for the statuses fail_first can inject. */
export function injectedFailure(status: number): HttpError {
  if (status === 429) {
    return openAiError(
      429,
      "Rate limit reached for requests (injected by mock-llm fail_first).",
      "requests",
      "rate_limit_exceeded",
    );
  }
  if (status === 503) {
    return openAiError(
      503,
      "The server is overloaded or not ready yet (injected by mock-llm fail_first).",
      "server_error",
    );
  }
  if (status >= 500) {
    return openAiError(
      status,
      "The server had an error while processing your request (injected by mock-llm fail_first).",
      "server_error",
    );
  }
  return openAiError(status, `Injected client error ${status} (mock-llm fail_first).`, "invalid_request_error");
}
