import type Stripe from "stripe";
import type { Emulator } from "../core";
import { attemptInvoicePayment, finalizeInvoice } from "./invoicing";
import { currentPeriod, rollPeriod } from "./subscriptions";

type DueWork =
  | { at: number; kind: "renew"; subscription: Stripe.Subscription }
  | { at: number; kind: "finalize"; invoice: Stripe.Invoice };

const RUNNING: Stripe.Subscription.Status[] = ["active", "past_due", "trialing", "unpaid"];

function belongsTo(emu: Emulator, customerId: string, clockId: string | null): boolean {
  const clock = emu.clock.testClockOf(customerId);
  return clockId === null ? clock === null : clock?.id === clockId;
}

/** The earliest thing due at or before `now` among customers on `clockId` (null = real time). */
function nextDue(emu: Emulator, clockId: string | null, now: number): DueWork | null {
  let best: DueWork | null = null;
  for (const sub of Object.values(emu.state.subscriptions)) {
    if (!RUNNING.includes(sub.status) || !belongsTo(emu, sub.customer as string, clockId)) continue;
    const { end } = currentPeriod(sub);
    const at = sub.cancel_at !== null && sub.cancel_at < end ? sub.cancel_at : end;
    if (at <= now && (!best || at < best.at)) best = { at, kind: "renew", subscription: sub };
  }
  for (const invoice of Object.values(emu.state.invoices)) {
    const at = invoice.automatically_finalizes_at;
    if (invoice.status !== "draft" || at === null || at > now || !invoice.auto_advance) continue;
    if (!belongsTo(emu, invoice.customer as string, clockId)) continue;
    if (!best || at < best.at) best = { at, kind: "finalize", invoice };
  }
  return best;
}

/**
 * Runs everything that became due, oldest first. For a test clock, the clock
 * is stepped to each due time so objects get the timestamps Stripe would give
 * them (the invoice created exactly at period end, finalized an hour later).
 */
export function runDueWork(emu: Emulator, clock: Stripe.TestHelpers.TestClock | null, until: number): number {
  let processed = 0;
  for (let guard = 0; guard < 10_000; guard++) {
    const work = nextDue(emu, clock?.id ?? null, until);
    if (!work) break;
    if (clock) clock.frozen_time = Math.max(clock.frozen_time, work.at);
    if (work.kind === "renew") {
      rollPeriod(emu, work.subscription);
    } else {
      finalizeInvoice(emu, work.invoice);
      if (work.invoice.status === "open") attemptInvoicePayment(emu, work.invoice);
    }
    processed++;
  }
  if (clock) clock.frozen_time = Math.max(clock.frozen_time, until);
  if (processed > 0) emu.persist();
  return processed;
}

/** Real-time customers: checked on a timer and before each API request. */
export function runRealTimeWork(emu: Emulator): void {
  runDueWork(emu, null, emu.clock.realNow());
}
