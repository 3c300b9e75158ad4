import Stripe from "stripe";
import { catalog, paidPlans } from "@/lib/config/catalog";
import { exactDecimalOrThrow } from "./decimal";
import { forgetPriceCacheForTests } from "./prices";

/**
 * `npm run stripe:sync`: makes a Stripe account (or the emulator) match lib/config/catalog.
 * Idempotent: products have fixed ids, prices are found by lookup key and replaced (the lookup key
 * moved to the new price, the old one archived) only when their amount or shape changed; the
 * meter is found by event name. Prices are immutable in Stripe, hence replace rather than edit.
 */
export type SyncLine = { object: string; key: string; action: "created" | "updated" | "unchanged" | "replaced" };

type WantedPrice = {
  lookupKey: string;
  product: string;
  nickname: string;
  unitAmount?: number;
  unitAmountDecimal?: string;
  recurring?: { interval: "month"; usageType: "licensed" | "metered"; meter?: string };
};

async function upsertProduct(stripe: Stripe, id: string, name: string, description: string, out: SyncLine[]) {
  try {
    const existing = await stripe.products.retrieve(id);
    if (existing.name === name && existing.description === description && existing.active) return out.push({ object: "product", key: id, action: "unchanged" });
    await stripe.products.update(id, { name, description, active: true });
    out.push({ object: "product", key: id, action: "updated" });
  } catch (e) {
    if (!(e instanceof Stripe.errors.StripeInvalidRequestError) || e.statusCode !== 404) throw e;
    await stripe.products.create({ id, name, description });
    out.push({ object: "product", key: id, action: "created" });
  }
}

async function upsertMeter(stripe: Stripe, out: SyncLine[]): Promise<string> {
  for await (const meter of stripe.billing.meters.list({ status: "active", limit: 100 })) {
    if (meter.event_name !== catalog.meter.eventName) continue;
    if (meter.display_name !== catalog.meter.displayName) {
      await stripe.billing.meters.update(meter.id, { display_name: catalog.meter.displayName });
      out.push({ object: "meter", key: catalog.meter.eventName, action: "updated" });
    } else out.push({ object: "meter", key: catalog.meter.eventName, action: "unchanged" });
    return meter.id;
  }
  const meter = await stripe.billing.meters.create({
    display_name: catalog.meter.displayName,
    event_name: catalog.meter.eventName,
    default_aggregation: { formula: "sum" },
    customer_mapping: { event_payload_key: catalog.meter.customerPayloadKey, type: "by_id" },
    value_settings: { event_payload_key: catalog.meter.valuePayloadKey },
  });
  out.push({ object: "meter", key: catalog.meter.eventName, action: "created" });
  return meter.id;
}

function matches(price: Stripe.Price, want: WantedPrice): boolean {
  const product = typeof price.product === "string" ? price.product : price.product.id;
  if (product !== want.product || price.currency !== catalog.currency || !price.active) return false;
  if (want.unitAmount !== undefined && price.unit_amount !== want.unitAmount) return false;
  if (want.unitAmountDecimal !== undefined && String(price.unit_amount_decimal) !== want.unitAmountDecimal) return false;
  if (!want.recurring) return price.type === "one_time";
  return price.recurring?.interval === want.recurring.interval && price.recurring.usage_type === want.recurring.usageType && (price.recurring.meter ?? undefined) === want.recurring.meter;
}

async function upsertPrice(stripe: Stripe, want: WantedPrice, out: SyncLine[]) {
  const existing = (await stripe.prices.list({ lookup_keys: [want.lookupKey], limit: 1 })).data[0];
  if (existing && matches(existing, want)) return out.push({ object: "price", key: want.lookupKey, action: "unchanged" });
  await stripe.prices.create({
    product: want.product,
    currency: catalog.currency,
    nickname: want.nickname,
    lookup_key: want.lookupKey,
    transfer_lookup_key: existing !== undefined,
    ...(want.unitAmount !== undefined ? { unit_amount: want.unitAmount } : {}),
    ...(want.unitAmountDecimal !== undefined ? { unit_amount_decimal: Stripe.Decimal.from(want.unitAmountDecimal) } : {}),
    ...(want.recurring
      ? { recurring: { interval: want.recurring.interval, usage_type: want.recurring.usageType, ...(want.recurring.meter ? { meter: want.recurring.meter } : {}) } }
      : {}),
  });
  if (existing) await stripe.prices.update(existing.id, { active: false });
  out.push({ object: "price", key: want.lookupKey, action: existing ? "replaced" : "created" });
}

export async function syncCatalogToStripe(stripe: Stripe): Promise<SyncLine[]> {
  const out: SyncLine[] = [];
  const meterId = await upsertMeter(stripe, out);
  await upsertProduct(stripe, catalog.products.packs, "Credits", `Prepaid credits (${catalog.creditRatio})`, out);
  for (const pack of catalog.packs) {
    await upsertPrice(stripe, { lookupKey: pack.priceLookupKey, product: catalog.products.packs, nickname: pack.name, unitAmount: pack.priceCents }, out);
  }
  for (const plan of paidPlans()) {
    const productId = `${catalog.products.planPrefix}${plan.key}`;
    await upsertProduct(stripe, productId, `Meterline ${plan.name}`, plan.tagline, out);
    await upsertPrice(stripe, { lookupKey: plan.stripe.priceLookupKey, product: productId, nickname: `${plan.name} monthly`, unitAmount: plan.stripe.monthlyPriceCents, recurring: { interval: "month", usageType: "licensed" } }, out);
    await upsertPrice(
      stripe,
      {
        lookupKey: plan.stripe.overagePriceLookupKey,
        product: productId,
        nickname: `${plan.name} overage per credit`,
        // Cents per credit, exactly: $10 per 1,000,000 credits = 0.001 cents.
        unitAmountDecimal: exactDecimalOrThrow(plan.stripe.overage.centsPerUnit, plan.stripe.overage.unitCredits),
        recurring: { interval: "month", usageType: "metered", meter: meterId },
      },
      out,
    );
  }
  forgetPriceCacheForTests();
  return out;
}
