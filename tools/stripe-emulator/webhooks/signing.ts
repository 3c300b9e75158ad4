import { createHmac } from "node:crypto";

/**
 * Stripe's webhook signature: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256>` where
 * the HMAC key is the whole endpoint secret (`whsec_…`, prefix included) and the
 * signed message is `<t>.<raw body>`. `stripe.webhooks.constructEvent` checks exactly this.
 */
export function signPayload(payload: string, secret: string, timestamp: number): string {
  return createHmac("sha256", secret).update(`${timestamp}.${payload}`, "utf8").digest("hex");
}

export function signatureHeader(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${signPayload(payload, secret, timestamp)}`;
}
