import type Stripe from "stripe";
import { catalog, type CreditPack, type Plan } from "@/lib/config/catalog";
import { AppError } from "@/lib/errors";

/**
 * Price ids are looked up by the catalog's lookup keys (created by `npm run stripe:sync`), never
 * hard-coded, so the same code works against the emulator and any Stripe account.
 */
const TTL_MS = 60_000;
const cache = new Map<string, { at: number; id: string }>();

export async function priceIdForLookupKeyOrThrow(stripe: Stripe, lookupKey: string): Promise<string> {
  const hit = cache.get(lookupKey);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.id;
  const list = await stripe.prices.list({ lookup_keys: [lookupKey], active: true, limit: 1 });
  const price = list.data[0];
  if (!price) throw new AppError("internal", `Stripe has no active price with lookup key "${lookupKey}": run npm run stripe:sync`);
  cache.set(lookupKey, { at: Date.now(), id: price.id });
  return price.id;
}

export function packPriceId(stripe: Stripe, pack: CreditPack): Promise<string> {
  return priceIdForLookupKeyOrThrow(stripe, pack.priceLookupKey);
}

/** The subscription's line items for a paid plan: the flat monthly price and the metered overage. */
export async function planLineItems(stripe: Stripe, plan: Plan): Promise<{ flat: string; overage: string }> {
  if (!plan.stripe) throw new AppError("bad_request", `The ${plan.name} plan has no subscription`);
  const [flat, overage] = await Promise.all([
    priceIdForLookupKeyOrThrow(stripe, plan.stripe.priceLookupKey),
    priceIdForLookupKeyOrThrow(stripe, plan.stripe.overagePriceLookupKey),
  ]);
  return { flat, overage };
}

/** The plan a subscription is on, from its items' lookup keys; null when none matches. */
export function planForSubscription(sub: Stripe.Subscription): Plan | null {
  for (const item of sub.items.data) {
    const key = item.price.lookup_key;
    for (const plan of Object.values(catalog.plans as Record<string, Plan>)) {
      if (plan.stripe && key === plan.stripe.priceLookupKey) return plan;
    }
  }
  return null;
}

export function forgetPriceCacheForTests(): void {
  cache.clear();
  meterCache = undefined;
}

let meterCache: { at: number; id: string } | undefined;

/** The Billing Meter carrying overage, found by its event name. */
export async function overageMeterIdOrThrow(stripe: Stripe): Promise<string> {
  if (meterCache && Date.now() - meterCache.at < TTL_MS) return meterCache.id;
  for await (const meter of stripe.billing.meters.list({ status: "active", limit: 100 })) {
    if (meter.event_name === catalog.meter.eventName) {
      meterCache = { at: Date.now(), id: meter.id };
      return meter.id;
    }
  }
  throw new AppError("internal", `Stripe has no active meter "${catalog.meter.eventName}": run npm run stripe:sync`);
}

/**
 * The metered overage price of every paid plan, to tell the overage line on an invoice. Empty when
 * Stripe has not been synced yet (billing history then shows the lines without a kind).
 */
export async function overagePriceIds(stripe: Stripe): Promise<Set<string>> {
  const keys = Object.values(catalog.plans as Record<string, Plan>).flatMap((p) => (p.stripe ? [p.stripe.overagePriceLookupKey] : []));
  const ids = await Promise.all(keys.map((k) => priceIdForLookupKeyOrThrow(stripe, k).catch(() => null)));
  return new Set(ids.filter((id): id is string => id !== null));
}
