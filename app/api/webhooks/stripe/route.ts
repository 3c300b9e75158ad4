import { getDb } from "@/db/client";
import { getStripe, getWebhookSecretOrThrow } from "@/lib/billing/stripe-client";
import { receiveStripeWebhook } from "@/lib/billing/webhooks/receive";
import { errorResponse } from "@/lib/http/errors";

/** Stripe → signed events. The raw body is read as text: re-serialised JSON would break the signature. */
export async function POST(req: Request) {
  try {
    const rawBody = await req.text();
    const result = await receiveStripeWebhook({ db: getDb(), stripe: getStripe() }, getWebhookSecretOrThrow(), rawBody, req.headers.get("stripe-signature"));
    return new Response(result.line, { status: result.status, headers: { "content-type": "text/plain; charset=utf-8" } });
  } catch (e) {
    return errorResponse(e);
  }
}
