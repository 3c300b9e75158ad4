import Stripe from "stripe";
import { AppError } from "@/lib/errors";
import type { BillingDeps } from "../deps";
import { handlers } from "./handlers";
import { abandonEvent, claimEvent, completeEvent } from "./processed-events";

export type WebhookResult = { status: 200 | 409; line: string };

/**
 * Verifies the signature over the raw body (anything else → 400 before a single write), records
 * the event id (a replay is acknowledged and does nothing), runs the one handler for its type and
 * says what it did. A failing handler forgets the claim and rethrows: Stripe retries the delivery.
 */
export async function receiveStripeWebhook(deps: Pick<BillingDeps, "db" | "stripe">, secret: string, rawBody: string, signature: string | null): Promise<WebhookResult> {
  if (!signature) throw new AppError("bad_request", "Missing Stripe-Signature header");
  let event: Stripe.Event;
  try {
    event = deps.stripe.webhooks.constructEvent(rawBody, signature, secret);
  } catch (e) {
    throw new AppError("bad_request", "Invalid Stripe signature", { cause: e });
  }
  const claim = await claimEvent(deps.db, event);
  if (claim.kind === "processed") return { status: 200, line: `replay of ${event.id} (${event.type}): already processed` };
  if (claim.kind === "in_progress") return { status: 409, line: `${event.id} is being processed by another delivery; retry later` };
  const handler = handlers[event.type];
  try {
    const done = handler ? await handler(deps, event) : { outcome: `${event.type}: ignored`, accountId: null };
    const line = `${event.id} ${event.type}: ${done.outcome}`;
    await completeEvent(deps.db, event.id, line, done.accountId ?? null);
    return { status: 200, line };
  } catch (e) {
    await abandonEvent(deps.db, event.id);
    throw e;
  }
}
