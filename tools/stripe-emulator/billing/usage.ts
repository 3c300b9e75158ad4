import type Stripe from "stripe";
import type { EmulatorState } from "../state/store";

/**
 * Aggregates the accepted meter events of one customer in [start, end) the way
 * the meter is configured (`sum`, `count` or `last`), keyed by event timestamp.
 */
export function aggregateUsage(state: EmulatorState, meter: Stripe.Billing.Meter, customerId: string, start: number, end: number): number {
  const events = state.internalMeterEvents
    .filter((e) => e.counted && e.customer === customerId && e.event.event_name === meter.event_name && e.event.timestamp >= start && e.event.timestamp < end)
    .sort((a, b) => a.event.timestamp - b.event.timestamp);
  switch (meter.default_aggregation.formula) {
    case "count":
      return events.length;
    case "last":
      return events.at(-1)?.value ?? 0;
    default:
      return events.reduce((total, e) => total + e.value, 0);
  }
}
