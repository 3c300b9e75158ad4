import type Stripe from "stripe";
import type { Emulator } from "../core";
import { invalidRequest, resourceMissing } from "../server/errors";

/** Stripe names resources in 404s by their API name ("customer", "price", ...). */
export function getOr404<T>(table: Record<string, T>, id: string, kind: string, param = "id"): T {
  const item = table[id];
  if (item === undefined) throw resourceMissing(kind, id, param);
  return item;
}

export function requireCustomer(emu: Emulator, id: string, param = "customer"): Stripe.Customer {
  return getOr404(emu.state.customers, id, "customer", param);
}

export function requireCurrency(currency: string | undefined, param = "currency"): string {
  if (currency === undefined) throw invalidRequest(`Missing required param: ${param}.`, { code: "parameter_missing", param });
  const lower = currency.toLowerCase();
  if (!/^[a-z]{3}$/.test(lower)) throw invalidRequest(`Invalid currency: ${currency}`, { param });
  return lower;
}

/** Stripe's standard metadata limits: 50 keys, 40-char keys, 500-char values. */
export function checkMetadata(metadata: Record<string, string>, param = "metadata"): Record<string, string> {
  const keys = Object.keys(metadata);
  if (keys.length > 50) throw invalidRequest("Metadata can have up to 50 keys.", { param });
  for (const k of keys) {
    if (k.length > 40) throw invalidRequest(`Metadata keys must be at most 40 characters long (${k}).`, { param: `${param}[${k}]` });
    if ((metadata[k] ?? "").length > 500) throw invalidRequest("Metadata values can have up to 500 characters.", { param: `${param}[${k}]` });
  }
  return metadata;
}
