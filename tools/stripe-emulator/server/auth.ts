import type { IncomingMessage } from "node:http";
import { StripeApiError } from "./errors";

/**
 * Any test-mode key is accepted (the emulator has one account). Live keys and
 * garbage are refused with Stripe's 401 so a misconfigured app fails loudly.
 * Returns the key, which scopes idempotency keys like Stripe's per-account scope.
 */
export function authenticate(req: IncomingMessage): string {
  const header = req.headers.authorization;
  if (!header) {
    throw new StripeApiError(401, {
      type: "invalid_request_error",
      message:
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    });
  }
  let key = "";
  if (header.startsWith("Bearer ")) key = header.slice(7).trim();
  else if (header.startsWith("Basic ")) key = Buffer.from(header.slice(6), "base64").toString("utf8").split(":")[0] ?? "";
  if (!/^(sk|rk)_test_[A-Za-z0-9_]+$/.test(key)) {
    const masked = key.length > 8 ? `${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` : key;
    throw new StripeApiError(401, {
      type: "invalid_request_error",
      code: "api_key_invalid",
      message: `Invalid API Key provided: ${masked}`,
      doc_url: "https://docs.stripe.com/error-codes/api-key-invalid",
    });
  }
  return key;
}
