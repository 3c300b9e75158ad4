import type Stripe from "stripe";
import { createHash } from "node:crypto";
import type { Emulator } from "../core";
import { newId } from "../state/ids";
import { createCustomer } from "../resources/customers";
import { attachPaymentMethod, buildCardPaymentMethod } from "../resources/paymentMethods";
import type { CheckoutInternals } from "../state/store";
import { declineFor, findTestCard, luhnValid, type TestCard } from "./cards";
import { buildCharge, confirmPaymentIntent, createPaymentIntent } from "./payments";
import { startSubscription } from "./subscriptions";

export type CheckoutPayment =
  | { kind: "card"; number: string; expMonth: number; expYear: number; cvc: string; email: string | null; name: string | null }
  | { kind: "sepa_debit"; iban: string; email: string | null; name: string | null };

export type CheckoutResult = { ok: true; redirectTo: string } | { ok: false; error: string };

/** Stripe's SEPA test IBANs: the first settles, the second fails, both a few moments later. */
export const ASYNC_TEST_IBANS: Record<string, "succeeded" | "failed"> = {
  AT321904300235473204: "succeeded",
  AT861904300235473202: "failed",
};

function validateCard(payment: Extract<CheckoutPayment, { kind: "card" }>): string | null {
  const digits = payment.number.replace(/[\s-]/g, "");
  if (!/^\d{12,19}$/.test(digits) || !luhnValid(digits)) return "Your card number is incorrect.";
  const card = findTestCard(digits);
  if (!card) return "Your card was declined. Your request was in test mode, but used a non test card. For a list of valid test cards, visit: https://stripe.com/docs/testing.";
  if (!(payment.expMonth >= 1 && payment.expMonth <= 12)) return "Your card's expiration month is invalid.";
  const now = new Date();
  const expired = payment.expYear < now.getUTCFullYear() || (payment.expYear === now.getUTCFullYear() && payment.expMonth < now.getUTCMonth() + 1);
  if (expired) return "Your card's expiration date is in the past.";
  if (!/^\d{3,4}$/.test(payment.cvc)) return "Your card's security code is incomplete.";
  return null;
}

/**
 * A declined card leaves the session open for another try. In payment mode Stripe
 * has already confirmed the session's PaymentIntent with it, so the attempt is
 * recorded: a failed charge, `charge.failed` and `payment_intent.payment_failed`.
 * The next attempt reuses that PaymentIntent. Subscription mode creates nothing
 * until a card works.
 */
function recordDeclinedAttempt(emu: Emulator, session: Stripe.Checkout.Session, internals: CheckoutInternals, payment: Extract<CheckoutPayment, { kind: "card" }>, card: TestCard): void {
  if (session.mode !== "payment") return;
  const customerId = typeof session.customer === "string" ? session.customer : null;
  const created = emu.clock.nowFor(customerId);
  const pm = buildCardPaymentMethod(card, payment.expMonth, payment.expYear, created);
  pm.billing_details.email = payment.email ?? session.customer_email;
  pm.billing_details.name = payment.name;
  emu.state.paymentMethods[pm.id] = pm;
  emu.state.internalCards[pm.id] = card.behaviour;
  const pi = sessionPaymentIntent(emu, session, internals, customerId, pm.id, created);
  confirmPaymentIntent(emu, pi, pm);
}

/** The session's PaymentIntent: the one a declined attempt created, else a new one. */
function sessionPaymentIntent(emu: Emulator, session: Stripe.Checkout.Session, internals: CheckoutInternals, customerId: string | null, paymentMethod: string, created: number): Stripe.PaymentIntent {
  const existing = typeof session.payment_intent === "string" ? emu.state.paymentIntents[session.payment_intent] : undefined;
  if (existing) {
    existing.customer = customerId;
    existing.payment_method = paymentMethod;
    return existing;
  }
  const pi = createPaymentIntent(emu, {
    amount: session.amount_total ?? 0,
    currency: session.currency ?? "usd",
    customer: customerId,
    paymentMethod,
    created,
    metadata: { ...internals.paymentIntentMetadata },
    description: internals.paymentIntentDescription,
    setupFutureUsage: internals.setupFutureUsage,
  });
  session.payment_intent = pi.id;
  return pi;
}

function buildSepaPaymentMethod(iban: string, created: number): Stripe.PaymentMethod {
  return {
    id: newId("pm"),
    object: "payment_method",
    allow_redisplay: "unspecified",
    billing_details: { address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null }, email: null, name: null, phone: null, tax_id: null },
    created,
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: {},
    sepa_debit: {
      bank_code: iban.slice(4, 9),
      branch_code: "",
      country: iban.slice(0, 2),
      fingerprint: createHash("sha256").update(iban).digest("base64url").slice(0, 16),
      generated_from: null,
      last4: iban.slice(-4),
    },
    type: "sepa_debit",
  };
}

function successRedirect(session: Stripe.Checkout.Session): string {
  return (session.success_url ?? "").replace(/\{CHECKOUT_SESSION_ID\}/g, session.id);
}

/**
 * What happens when the customer presses Pay on the hosted page. A declined
 * card leaves the session open (the page shows the error and the customer can
 * retry) after recording the failed payment (see recordDeclinedAttempt);
 * a good card creates the customer, payment method, payment or subscription,
 * and finally `checkout.session.completed`.
 */
export function completeCheckout(emu: Emulator, session: Stripe.Checkout.Session, payment: CheckoutPayment): CheckoutResult {
  if (session.status !== "open") return { ok: false, error: `This checkout session is ${session.status}.` };
  const internals = emu.state.internalCheckout[session.id];
  if (!internals) return { ok: false, error: "This checkout session is missing its line items." };
  if (payment.kind === "card") {
    const problem = validateCard(payment);
    if (problem) return { ok: false, error: problem };
    const card = findTestCard(payment.number);
    const decline = card ? declineFor(card.behaviour.charge) : null;
    if (card && decline) {
      recordDeclinedAttempt(emu, session, internals, payment, card);
      return { ok: false, error: decline.message };
    }
  } else {
    if (session.mode !== "payment") return { ok: false, error: "SEPA Direct Debit is only available for one-time payments in the emulator." };
    if (!ASYNC_TEST_IBANS[payment.iban.replace(/\s/g, "").toUpperCase()]) return { ok: false, error: "Use one of Stripe's SEPA test IBANs (AT32 1904 3002 3547 3204 succeeds, AT86 1904 3002 3547 3202 fails)." };
  }

  const email = payment.email ?? session.customer_email;
  let customerId = typeof session.customer === "string" ? session.customer : null;
  const needsCustomer = session.mode === "subscription" || internals.setupFutureUsage !== null || session.customer_creation === "always";
  if (!customerId && needsCustomer) customerId = createCustomer(emu, { email, name: payment.name, testClock: null }).id;
  const customer = customerId ? emu.state.customers[customerId] : undefined;

  const created = emu.clock.nowFor(customerId);
  let pm: Stripe.PaymentMethod;
  if (payment.kind === "card") {
    const card = findTestCard(payment.number);
    if (!card) return { ok: false, error: "Your card number is incorrect." };
    pm = buildCardPaymentMethod(card, payment.expMonth, payment.expYear, created);
    emu.state.internalCards[pm.id] = card.behaviour;
  } else {
    pm = buildSepaPaymentMethod(payment.iban.replace(/\s/g, "").toUpperCase(), created);
  }
  pm.billing_details.email = email;
  pm.billing_details.name = payment.name;
  emu.state.paymentMethods[pm.id] = pm;

  session.customer = customerId;
  session.customer_details = {
    address: null,
    business_name: null,
    email,
    individual_name: null,
    name: payment.name,
    phone: null,
    tax_exempt: customer?.tax_exempt ?? "none",
    tax_ids: [],
  };
  session.status = "complete";
  // Stripe only exposes the hosted URL while the session is open.
  session.url = null;

  if (session.mode === "subscription" && customer) {
    attachPaymentMethod(emu, pm, customer.id);
    const items = internals.lineItems.flatMap((item) => (item.price ? [{ price: item.price, quantity: item.quantity }] : []));
    const { subscription, invoice } = startSubscription(emu, {
      customer,
      items: items.map((i) => ({ price: emu.state.prices[i.price.id] ?? i.price, quantity: i.price.recurring?.usage_type === "metered" ? null : (i.quantity ?? 1) })),
      start: emu.clock.nowFor(customer.id),
      defaultPaymentMethod: pm.id,
      metadata: { ...internals.subscriptionMetadata },
    });
    session.subscription = subscription.id;
    session.invoice = invoice.id;
    session.payment_status = invoice.status === "paid" ? "paid" : "unpaid";
    emu.emit("checkout.session.completed", session, customer.id);
    return { ok: true, redirectTo: successRedirect(session) };
  }

  if (customer && internals.setupFutureUsage && payment.kind === "card") attachPaymentMethod(emu, pm, customer.id);
  const pi = sessionPaymentIntent(emu, session, internals, customerId, pm.id, created);

  if (payment.kind === "card") {
    confirmPaymentIntent(emu, pi, pm);
    session.payment_status = "paid";
    emu.emit("checkout.session.completed", session, customerId);
    return { ok: true, redirectTo: successRedirect(session) };
  }

  // Bank debits complete the session unpaid; the money arrives (or not) later.
  pi.status = "processing";
  pi.processing = null;
  pi.last_payment_error = null;
  pi.payment_method_types = ["sepa_debit"];
  session.payment_method_types = ["card", "sepa_debit"];
  emu.emit("payment_intent.processing", pi, customerId);
  emu.emit("checkout.session.completed", session, customerId);
  const outcome = ASYNC_TEST_IBANS[payment.iban.replace(/\s/g, "").toUpperCase()] ?? "failed";
  emu.state.internalAsyncPayments.push({ sessionId: session.id, outcome, dueAtMs: Date.now() + emu.config.asyncPaymentDelayMs });
  scheduleAsyncPayments(emu);
  return { ok: true, redirectTo: successRedirect(session) };
}

function settleAsyncPayment(emu: Emulator, sessionId: string, outcome: "succeeded" | "failed"): void {
  const session = emu.state.checkoutSessions[sessionId];
  const pi = typeof session?.payment_intent === "string" ? emu.state.paymentIntents[session.payment_intent] : undefined;
  if (!session || !pi) return;
  const customerId = typeof session.customer === "string" ? session.customer : null;
  const pm = emu.state.paymentMethods[pi.payment_method as string];
  if (!pm) return;
  const now = emu.clock.nowFor(customerId);
  const failure = outcome === "failed" ? { code: "payment_method_provider_decline", declineCode: "generic_decline", message: "The customer's bank account could not be debited." } : null;
  const charge = buildCharge(pi, pm, now, failure);
  emu.state.charges[charge.id] = charge;
  pi.latest_charge = charge.id;
  if (failure) {
    pi.status = "requires_payment_method";
    pi.last_payment_error = { type: "invalid_request_error", code: failure.code, message: failure.message, charge: charge.id };
    emu.emit("charge.failed", charge, customerId);
    emu.emit("payment_intent.payment_failed", pi, customerId);
    emu.emit("checkout.session.async_payment_failed", session, customerId);
  } else {
    pi.status = "succeeded";
    pi.amount_received = pi.amount;
    session.payment_status = "paid";
    emu.emit("charge.succeeded", charge, customerId);
    emu.emit("payment_intent.succeeded", pi, customerId);
    emu.emit("checkout.session.async_payment_succeeded", session, customerId);
  }
}

/**
 * Settles queued bank debits when due; pending ones survive a restart. Entries
 * are looked up by session id when the timer fires, because the state object
 * may have been replaced meanwhile (a rolled-back request, a reload).
 */
export function scheduleAsyncPayments(emu: Emulator): void {
  for (const pending of [...emu.state.internalAsyncPayments]) {
    const job = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        const queue = emu.state.internalAsyncPayments;
        const index = queue.findIndex((p) => p.sessionId === pending.sessionId);
        const current = queue[index];
        if (current) {
          queue.splice(index, 1);
          settleAsyncPayment(emu, current.sessionId, current.outcome);
          emu.persist();
        }
        resolve();
      }, Math.max(0, pending.dueAtMs - Date.now()));
      timer.unref();
    });
    emu.track(job);
  }
}
