import Stripe from "stripe";
import { newId } from "./state/ids";

export interface EmitOptions {
  /** Values of the changed top-level fields before the change (for `*.updated`). */
  previous?: Record<string, unknown>;
  /** Unix time the event happened at (the customer's clock time). */
  created: number;
  request?: { id: string | null; idempotency_key: string | null };
}

/** Stripe events carry a frozen copy of the object as it was when the event happened. */
export function snapshot<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function buildEvent(type: string, object: unknown, options: EmitOptions): Stripe.Event {
  const data: { object: unknown; previous_attributes?: Record<string, unknown> } = { object: snapshot(object) };
  if (options.previous && Object.keys(options.previous).length > 0) data.previous_attributes = snapshot(options.previous);
  const base: Pick<Stripe.Event, "id" | "object" | "api_version" | "created" | "livemode" | "pending_webhooks" | "request"> = {
    id: newId("evt"),
    object: "event",
    api_version: Stripe.API_VERSION,
    created: options.created,
    livemode: false,
    pending_webhooks: 0,
    request: options.request ?? { id: null, idempotency_key: null },
  };
  // The event union is keyed by `type`; the emulator builds every variant the same way.
  return { ...base, data, type } as unknown as Stripe.Event;
}

/** Top-level fields whose value changed, with their old values (Stripe's `previous_attributes`). */
export function changedAttributes(before: object, after: object): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  for (const key of Object.keys(a)) {
    if (JSON.stringify(b[key]) !== JSON.stringify(a[key])) previous[key] = b[key] ?? null;
  }
  return previous;
}
