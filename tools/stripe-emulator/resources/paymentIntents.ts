import type Stripe from "stripe";
import type { Emulator } from "../core";
import { confirmPaymentIntent, createPaymentIntent } from "../billing/payments";
import { invalidRequest, parameterInvalid } from "../server/errors";
import { matchesRange, paginate } from "../server/list";
import { applyMetadata, type Params } from "../server/params";
import type { Route } from "../server/router";
import { checkMetadata, getOr404, requireCurrency, requireCustomer } from "./common";
import { attachPaymentMethod, cardError, resolvePaymentMethod } from "./paymentMethods";

/** Confirms and, on a decline, answers with Stripe's 402 `card_error` carrying the intent. */
function confirm(emu: Emulator, pi: Stripe.PaymentIntent, pmId: string, offSession: boolean): Stripe.PaymentIntent {
  const customer = typeof pi.customer === "string" ? pi.customer : null;
  const pm = resolvePaymentMethod(emu, pmId, customer);
  if (offSession && customer && pm.customer && pm.customer !== customer) {
    throw invalidRequest("The provided PaymentMethod belongs to a different Customer.", { param: "payment_method" });
  }
  if (pm.customer && pm.customer !== customer) {
    throw invalidRequest("The provided PaymentMethod is attached to another Customer; pass that customer.", { param: "payment_method" });
  }
  const outcome = confirmPaymentIntent(emu, pi, pm);
  if (outcome.declined) {
    const behaviour = emu.state.internalCards[pm.id]?.charge ?? "generic_decline";
    throw cardError(behaviour, { charge: outcome.charge.id, paymentIntent: JSON.parse(JSON.stringify(pi)), paymentMethod: JSON.parse(JSON.stringify(pm)) });
  }
  if (customer && pi.setup_future_usage && !pm.customer) attachPaymentMethod(emu, pm, customer);
  return pi;
}

function createIntent(emu: Emulator, params: Params): Stripe.PaymentIntent {
  const amount = params.requiredInt("amount");
  if (amount < 50) throw parameterInvalid("amount", "Amount must be at least $0.50 usd", "integer");
  const currency = requireCurrency(params.string("currency"));
  const customerId = params.string("customer") ?? null;
  if (customerId) requireCustomer(emu, customerId);
  const offSession = params.bool("off_session") ?? false;
  const confirmNow = params.bool("confirm") ?? false;
  if (offSession && !confirmNow) throw invalidRequest("off_session can only be used with confirm=true.", { param: "off_session" });
  const pmId = params.string("payment_method") ?? null;
  const pi = createPaymentIntent(emu, {
    amount,
    currency,
    customer: customerId,
    paymentMethod: null,
    created: emu.clock.nowFor(customerId),
    metadata: checkMetadata(applyMetadata({}, params.metadataPatch())),
    description: params.string("description") ?? null,
    setupFutureUsage: params.oneOf("setup_future_usage", ["off_session", "on_session"] as const) ?? null,
  });
  if (pmId) {
    pi.payment_method = pmId;
    pi.status = "requires_confirmation";
  }
  if (confirmNow) {
    if (!pmId) throw invalidRequest("You cannot confirm this PaymentIntent because it's missing a payment method.", { code: "payment_intent_unexpected_state", param: "payment_method" });
    confirm(emu, pi, pmId, offSession);
  }
  return pi;
}

export const paymentIntentRoutes: Route[] = [
  { method: "POST", pattern: "/v1/payment_intents", handler: ({ emu, params }) => createIntent(emu, params) },
  { method: "GET", pattern: "/v1/payment_intents/:id", handler: ({ emu, path }) => getOr404(emu.state.paymentIntents, path.id ?? "", "payment_intent") },
  {
    method: "POST",
    pattern: "/v1/payment_intents/:id/confirm",
    handler: ({ emu, params, path }) => {
      const pi = getOr404(emu.state.paymentIntents, path.id ?? "", "payment_intent");
      if (pi.status === "succeeded") throw invalidRequest("This PaymentIntent has already succeeded.", { code: "payment_intent_unexpected_state" });
      const pmId = params.string("payment_method") ?? (typeof pi.payment_method === "string" ? pi.payment_method : null);
      if (!pmId) throw invalidRequest("You cannot confirm this PaymentIntent because it's missing a payment method.", { code: "payment_intent_unexpected_state" });
      return confirm(emu, pi, pmId, params.bool("off_session") ?? false);
    },
  },
  {
    method: "POST",
    pattern: "/v1/payment_intents/:id/cancel",
    handler: ({ emu, params, path }) => {
      const pi = getOr404(emu.state.paymentIntents, path.id ?? "", "payment_intent");
      if (pi.status === "succeeded" || pi.status === "canceled") {
        throw invalidRequest(`You cannot cancel this PaymentIntent because it has a status of ${pi.status}.`, { code: "payment_intent_unexpected_state" });
      }
      pi.status = "canceled";
      pi.canceled_at = emu.clock.nowFor(pi.customer as string | null);
      pi.cancellation_reason = params.oneOf("cancellation_reason", ["duplicate", "fraudulent", "requested_by_customer", "abandoned"] as const) ?? null;
      emu.emit("payment_intent.canceled", pi, pi.customer as string | null);
      return pi;
    },
  },
  {
    method: "GET",
    pattern: "/v1/payment_intents",
    handler: ({ emu, params }) => {
      const customer = params.string("customer");
      const items = Object.values(emu.state.paymentIntents).filter((p) => (customer === undefined || p.customer === customer) && matchesRange(p.created, params, "created"));
      return paginate(items, params, "/v1/payment_intents");
    },
  },
  { method: "GET", pattern: "/v1/charges/:id", handler: ({ emu, path }) => getOr404(emu.state.charges, path.id ?? "", "charge") },
  {
    method: "GET",
    pattern: "/v1/charges",
    handler: ({ emu, params }) => {
      const customer = params.string("customer");
      const pi = params.string("payment_intent");
      const items = Object.values(emu.state.charges).filter((c) => (customer === undefined || c.customer === customer) && (pi === undefined || c.payment_intent === pi));
      return paginate(items, params, "/v1/charges");
    },
  },
];
