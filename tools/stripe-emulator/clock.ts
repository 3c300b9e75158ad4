import type Stripe from "stripe";
import type { EmulatorState } from "./state/store";

/**
 * Every timestamp the emulator writes comes from here. A customer attached to a
 * test clock lives at the clock's frozen time; everyone else lives in real time.
 */
export class Clock {
  constructor(private readonly getState: () => EmulatorState) {}

  realNow(): number {
    return Math.floor(Date.now() / 1000);
  }

  testClockOf(customerId: string | null | undefined): Stripe.TestHelpers.TestClock | null {
    if (!customerId) return null;
    const customer = this.getState().customers[customerId];
    const clockId = typeof customer?.test_clock === "string" ? customer.test_clock : null;
    return clockId ? (this.getState().testClocks[clockId] ?? null) : null;
  }

  /** "Now" as seen by this customer (their test clock, or the wall clock). */
  nowFor(customerId: string | null | undefined): number {
    return this.testClockOf(customerId)?.frozen_time ?? this.realNow();
  }
}

/** Adds calendar months the way Stripe anchors billing periods (Jan 31 → Feb 28/29). */
export function addMonths(unixSeconds: number, months: number): number {
  const start = new Date(unixSeconds * 1000);
  const day = start.getUTCDate();
  const target = new Date(start.getTime());
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return Math.floor(target.getTime() / 1000);
}

export function addInterval(unixSeconds: number, interval: Stripe.Price.Recurring.Interval, count: number): number {
  switch (interval) {
    case "day":
      return unixSeconds + 86_400 * count;
    case "week":
      return unixSeconds + 7 * 86_400 * count;
    case "year":
      return addMonths(unixSeconds, 12 * count);
    default:
      return addMonths(unixSeconds, count);
  }
}
