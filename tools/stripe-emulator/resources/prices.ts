import Stripe from "stripe";
import type { Emulator } from "../core";
import { newId } from "../state/ids";
import { invalidRequest, parameterInvalid, parameterMissing } from "../server/errors";
import { matchesRange, paginate } from "../server/list";
import { applyMetadata, Params } from "../server/params";
import type { Route } from "../server/router";
import { searchItems, searchResult } from "../server/search";
import { checkMetadata, getOr404, requireCurrency } from "./common";
import { createProduct } from "./products";

type Decimal = NonNullable<Stripe.Price["unit_amount_decimal"]>;

/** The SDK types decimal strings as its Decimal class; JSON turns it back into a string. */
export function toDecimal(value: string | number): Decimal {
  return Stripe.Decimal.from(String(value));
}

const INTERVALS = ["day", "week", "month", "year"] as const;

export function buildPrice(fields: {
  product: string;
  currency: string;
  unitAmount: number | null;
  unitAmountDecimal: string;
  recurring: Stripe.Price.Recurring | null;
  created: number;
}): Stripe.Price {
  return {
    id: newId("price"),
    object: "price",
    active: true,
    billing_scheme: "per_unit",
    created: fields.created,
    currency: fields.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: fields.product,
    recurring: fields.recurring,
    tax_behavior: "unspecified",
    tiers_mode: null,
    transform_quantity: null,
    type: fields.recurring ? "recurring" : "one_time",
    unit_amount: fields.unitAmount,
    unit_amount_decimal: toDecimal(fields.unitAmountDecimal),
  };
}

/** Subscription items still carry the legacy `plan` view of their price. */
export function planFromPrice(price: Stripe.Price): Stripe.Plan {
  const recurring = price.recurring;
  return {
    id: price.id,
    object: "plan",
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: recurring?.interval ?? "month",
    interval_count: recurring?.interval_count ?? 1,
    livemode: false,
    metadata: { ...price.metadata },
    meter: recurring?.meter ?? null,
    nickname: price.nickname,
    product: typeof price.product === "string" ? price.product : price.product.id,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: recurring?.usage_type ?? "licensed",
  };
}

function readRecurring(emu: Emulator, recurring: Params | undefined): Stripe.Price.Recurring | null {
  if (!recurring) return null;
  const interval = recurring.oneOf("interval", INTERVALS);
  if (!interval) throw parameterMissing(recurring.name("interval"));
  const usageType = recurring.oneOf("usage_type", ["licensed", "metered"] as const) ?? "licensed";
  const meter = recurring.string("meter") ?? null;
  if (usageType === "metered" && !meter) {
    throw invalidRequest("Metered prices must be backed by a meter: pass recurring[meter] (see https://docs.stripe.com/billing/subscriptions/usage-based).", {
      code: "parameter_missing",
      param: "recurring[meter]",
    });
  }
  if (meter) {
    if (usageType !== "metered") throw parameterInvalid("recurring[meter]", "recurring[meter] can only be set when recurring[usage_type] is metered.");
    getOr404(emu.state.meters, meter, "billing.meter", "recurring[meter]");
  }
  return { interval, interval_count: recurring.int("interval_count") ?? 1, meter, trial_period_days: null, usage_type: usageType };
}

/**
 * Lookup keys are unique among prices. Reusing one fails unless
 * `transfer_lookup_key=true`, which moves it from the old price.
 */
function claimLookupKey(emu: Emulator, lookupKey: string | null, transfer: boolean, priceId: string): void {
  if (lookupKey === null) return;
  const holder = Object.values(emu.state.prices).find((p) => p.lookup_key === lookupKey && p.id !== priceId);
  if (!holder) return;
  if (!transfer) {
    throw invalidRequest(`A price (\`${holder.id}\`) already uses that lookup key.`, { code: "lookup_key_already_exists" as string, param: "lookup_key" });
  }
  emu.update(holder, "price.updated", null, (p) => {
    p.lookup_key = null;
  });
}

/** Builds and stores a price from create params (also used for checkout's `price_data`). */
export function createPrice(emu: Emulator, params: Params, emitEvent = true): Stripe.Price {
  const currency = requireCurrency(params.string("currency"));
  const productData = params.object("product_data");
  let productId = params.string("product");
  if (!productId && productData) productId = createProduct(emu, productData).id;
  if (!productId) throw parameterMissing("product");
  const product = getOr404(emu.state.products, productId, "product", "product");
  const unitAmount = params.int("unit_amount");
  const decimal = params.string("unit_amount_decimal");
  if (unitAmount === undefined && decimal === undefined) throw parameterMissing("unit_amount");
  if (unitAmount !== undefined && decimal !== undefined) throw invalidRequest("You may only specify one of these parameters: unit_amount, unit_amount_decimal.", { param: "unit_amount_decimal" });
  if (unitAmount !== undefined && unitAmount < 0) throw parameterInvalid("unit_amount", "This value must be greater than or equal to 0.", "integer");
  if (decimal !== undefined && !/^\d+(\.\d{1,12})?$/.test(decimal)) throw parameterInvalid("unit_amount_decimal", `Invalid decimal: ${decimal}`);
  const billingScheme = params.oneOf("billing_scheme", ["per_unit", "tiered"] as const);
  if (billingScheme === "tiered") throw invalidRequest("The Stripe emulator supports per_unit prices only (tiered pricing is not emulated).", { param: "billing_scheme" });

  const price = buildPrice({
    product: product.id,
    currency,
    unitAmount: decimal !== undefined ? (/^\d+$/.test(decimal) ? Number(decimal) : null) : (unitAmount ?? 0),
    unitAmountDecimal: decimal ?? String(unitAmount ?? 0),
    recurring: readRecurring(emu, params.object("recurring")),
    created: emu.clock.realNow(),
  });
  if (params.has("active")) price.active = params.bool("active") ?? true;
  if (params.has("nickname")) price.nickname = params.nullableString("nickname") ?? null;
  if (params.has("tax_behavior")) price.tax_behavior = params.oneOf("tax_behavior", ["exclusive", "inclusive", "unspecified"] as const) ?? "unspecified";
  price.metadata = checkMetadata(applyMetadata({}, params.metadataPatch()));
  const lookupKey = params.nullableString("lookup_key") ?? null;
  claimLookupKey(emu, lookupKey, params.bool("transfer_lookup_key") ?? false, price.id);
  price.lookup_key = lookupKey;
  emu.state.prices[price.id] = price;
  if (!product.default_price && params.has("product_data")) product.default_price = price.id;
  if (emitEvent) emu.emit("price.created", price, null);
  return price;
}

function priceField(price: Stripe.Price, field: string): string | null | undefined {
  if (field.startsWith("metadata.")) return price.metadata[field.slice(9)];
  if (field === "active") return String(price.active);
  if (field === "currency") return price.currency;
  if (field === "lookup_key") return price.lookup_key;
  if (field === "product") return typeof price.product === "string" ? price.product : price.product.id;
  if (field === "type") return price.type;
  return undefined;
}

export const priceRoutes: Route[] = [
  { method: "POST", pattern: "/v1/prices", handler: ({ emu, params }) => createPrice(emu, params) },
  {
    method: "GET",
    pattern: "/v1/prices/search",
    handler: ({ emu, params }) => searchResult(searchItems(Object.values(emu.state.prices), params.requiredString("query"), priceField), params, "/v1/prices/search"),
  },
  { method: "GET", pattern: "/v1/prices/:id", handler: ({ emu, path }) => getOr404(emu.state.prices, path.id ?? "", "price") },
  {
    method: "POST",
    pattern: "/v1/prices/:id",
    handler: ({ emu, params, path }) => {
      const price = getOr404(emu.state.prices, path.id ?? "", "price");
      for (const key of ["unit_amount", "currency", "recurring", "product"]) {
        if (params.has(key)) throw invalidRequest(`Received unknown parameter: ${key}. Prices are immutable; create a new price instead.`, { code: "parameter_unknown", param: key });
      }
      if (params.has("lookup_key")) claimLookupKey(emu, params.nullableString("lookup_key") ?? null, params.bool("transfer_lookup_key") ?? false, price.id);
      return emu.update(price, "price.updated", null, (p) => {
        if (params.has("active")) p.active = params.bool("active") ?? p.active;
        if (params.has("nickname")) p.nickname = params.nullableString("nickname") ?? null;
        if (params.has("lookup_key")) p.lookup_key = params.nullableString("lookup_key") ?? null;
        if (params.has("metadata")) p.metadata = checkMetadata(applyMetadata(p.metadata, params.metadataPatch()));
      });
    },
  },
  {
    method: "GET",
    pattern: "/v1/prices",
    handler: ({ emu, params }) => {
      const active = params.bool("active");
      const product = params.string("product");
      const type = params.string("type");
      const currency = params.string("currency");
      const lookupKeys = params.strings("lookup_keys");
      const usageType = params.object("recurring")?.string("usage_type");
      const items = Object.values(emu.state.prices).filter(
        (p) =>
          !emu.state.internalInlinePrices[p.id] &&
          (active === undefined || p.active === active) &&
          (product === undefined || p.product === product) &&
          (type === undefined || p.type === type) &&
          (currency === undefined || p.currency === currency) &&
          (lookupKeys.length === 0 || (p.lookup_key !== null && lookupKeys.includes(p.lookup_key))) &&
          (usageType === undefined || p.recurring?.usage_type === usageType) &&
          matchesRange(p.created, params, "created"),
      );
      return paginate(items, params, "/v1/prices");
    },
  },
];
