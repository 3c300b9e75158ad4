import type Stripe from "stripe";
import type { Emulator } from "../core";
import { toDecimal } from "../resources/prices";
import { describeLine } from "./invoiceBuilder";
import { lineAmount } from "./money";
import { aggregateUsage } from "./usage";

/**
 * Re-reads the metered usage of a draft's arrears lines, so usage reported while
 * the draft waits (Stripe's ~1 h grace after period end, timestamped inside the
 * old period) is billed on it, as Stripe does. Only lines billing the invoice's
 * own period in arrears are touched: the zero usage line of a first invoice
 * covers the coming period and must stay zero. Returns whether anything changed.
 */
export function refreshMeteredLines(emu: Emulator, invoice: Stripe.Invoice): boolean {
  const customerId = invoice.customer as string;
  let changed = false;
  for (const line of invoice.lines.data) {
    const details = line.parent?.subscription_item_details;
    if (!details || details.proration) continue;
    if (line.period.start < invoice.period_start || line.period.end > invoice.period_end) continue;
    const priceId = line.pricing?.price_details?.price;
    const price = typeof priceId === "string" ? emu.state.prices[priceId] : undefined;
    if (!price || price.recurring?.usage_type !== "metered") continue;
    const meter = emu.state.meters[price.recurring.meter ?? ""];
    if (!meter) continue;
    const quantity = aggregateUsage(emu.state, meter, customerId, line.period.start, line.period.end);
    if (quantity === line.quantity) continue;
    const amount = lineAmount(price, quantity);
    line.quantity = quantity;
    line.quantity_decimal = toDecimal(quantity);
    line.amount = amount;
    line.subtotal = amount;
    line.description = describeLine(emu, price, quantity);
    changed = true;
  }
  return changed;
}
