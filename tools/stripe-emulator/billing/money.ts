import type Stripe from "stripe";

/**
 * Amounts are integers in the currency's minor unit. Prices may have a
 * fractional `unit_amount_decimal` (e.g. 0.05 cents per token); line totals are
 * computed exactly with BigInt and rounded half-up, like Stripe.
 */
export function lineAmount(price: Stripe.Price, quantity: number): number {
  const decimal = String(price.unit_amount_decimal ?? price.unit_amount ?? 0);
  const [whole = "0", fraction = ""] = decimal.split(".");
  const scale = 10n ** BigInt(fraction.length);
  const unitScaled = BigInt(whole) * scale + BigInt(fraction || "0");
  const total = unitScaled * BigInt(quantity);
  const sign = total < 0n ? -1n : 1n;
  const abs = total * sign;
  const rounded = (abs + scale / 2n) / scale;
  return Number(rounded * sign);
}

export function formatMoney(amount: number, currency: string): string {
  const zeroDecimal = ["jpy", "krw", "vnd", "clp", "isk", "ugx", "xaf", "xof"].includes(currency.toLowerCase());
  const value = zeroDecimal ? amount : amount / 100;
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(value);
  } catch {
    return `${value.toFixed(zeroDecimal ? 0 : 2)} ${currency.toUpperCase()}`;
  }
}

/** "$0.0005" for sub-cent unit prices, which the default two decimals would round away. */
export function formatUnitPrice(price: Stripe.Price): string {
  const decimal = String(price.unit_amount_decimal ?? price.unit_amount ?? 0);
  if (!decimal.includes(".")) return formatMoney(Number(decimal), price.currency);
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: price.currency.toUpperCase(), maximumFractionDigits: 14 }).format(Number(decimal) / 100);
  } catch {
    return `${Number(decimal) / 100} ${price.currency.toUpperCase()}`;
  }
}
