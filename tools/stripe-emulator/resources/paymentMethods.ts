import type Stripe from "stripe";
import { createHash } from "node:crypto";
import type { Emulator } from "../core";
import { declineFor, findTestCard, luhnValid, MAGIC_PAYMENT_METHODS, type TestCard } from "../billing/cards";
import { newId } from "../state/ids";
import { invalidRequest, parameterMissing, StripeApiError } from "../server/errors";
import { paginate } from "../server/list";
import type { Route } from "../server/router";
import { applyMetadata } from "../server/params";
import { getOr404, requireCustomer } from "./common";

export function buildCardPaymentMethod(card: TestCard, expMonth: number, expYear: number, created: number): Stripe.PaymentMethod {
  const last4 = card.number.slice(-4);
  return {
    id: newId("pm"),
    object: "payment_method",
    allow_redisplay: "unspecified",
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: null,
      name: null,
      phone: null,
      tax_id: null,
    },
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
      country: "US",
      display_brand: card.brand,
      exp_month: expMonth,
      exp_year: expYear,
      fingerprint: createHash("sha256").update(card.number).digest("base64url").slice(0, 16),
      funding: "credit",
      generated_from: null,
      last4,
      networks: { available: [card.brand], preferred: null },
      regulated_status: "unregulated",
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created,
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: {},
    type: "card",
  };
}

/** The 402 Stripe returns for a declined card, optionally naming the failed PaymentIntent/charge. */
export function cardError(outcome: Parameters<typeof declineFor>[0], extra: { charge?: string; paymentIntent?: unknown; paymentMethod?: unknown; param?: string } = {}): StripeApiError {
  const decline = declineFor(outcome) ?? { code: "card_declined", declineCode: "generic_decline", message: "Your card was declined." };
  return new StripeApiError(402, {
    type: "card_error",
    code: decline.code,
    decline_code: decline.declineCode,
    message: decline.message,
    param: extra.param,
    charge: extra.charge,
    payment_intent: extra.paymentIntent,
    payment_method: extra.paymentMethod,
    doc_url: `https://docs.stripe.com/error-codes/${decline.code.replace(/_/g, "-")}`,
  });
}

export function createCardPaymentMethod(emu: Emulator, number: string, expMonth: number, expYear: number, customerForClock: string | null, param = "card[number]"): Stripe.PaymentMethod {
  const digits = number.replace(/[\s-]/g, "");
  const card = findTestCard(digits);
  if (!card) {
    if (!luhnValid(digits)) {
      throw new StripeApiError(402, { type: "card_error", code: "incorrect_number", param, message: "Your card number is incorrect." });
    }
    throw new StripeApiError(402, {
      type: "card_error",
      code: "card_declined",
      decline_code: "test_mode_live_card",
      param,
      message: "Your card was declined. Your request was in test mode, but used a non test card. For a list of valid test cards, visit: https://stripe.com/docs/testing.",
    });
  }
  const pm = buildCardPaymentMethod(card, expMonth, expYear, emu.clock.nowFor(customerForClock));
  emu.state.paymentMethods[pm.id] = pm;
  emu.state.internalCards[pm.id] = card.behaviour;
  return pm;
}

/** Accepts a stored `pm_…` or one of Stripe's magic test ids (`pm_card_visa`). */
export function resolvePaymentMethod(emu: Emulator, id: string, customerForClock: string | null, param = "payment_method"): Stripe.PaymentMethod {
  const magic = MAGIC_PAYMENT_METHODS[id];
  if (magic) return createCardPaymentMethod(emu, magic, 12, new Date().getUTCFullYear() + 3, customerForClock, param);
  return getOr404(emu.state.paymentMethods, id, "PaymentMethod", param);
}

export function attachPaymentMethod(emu: Emulator, pm: Stripe.PaymentMethod, customerId: string): Stripe.PaymentMethod {
  if (pm.customer === customerId) return pm;
  if (pm.customer) {
    throw invalidRequest("The payment method you provided has already been attached to a customer.", { code: "payment_method_unexpected_state" });
  }
  const behaviour = emu.state.internalCards[pm.id];
  if (behaviour?.attachDeclined) throw cardError(behaviour.charge, { param: "" });
  pm.customer = customerId;
  emu.emit("payment_method.attached", pm, customerId);
  return pm;
}

function listPaymentMethods(emu: Emulator, customer: string | undefined, type: string | undefined): Stripe.PaymentMethod[] {
  return Object.values(emu.state.paymentMethods).filter((pm) => (customer === undefined || pm.customer === customer) && (type === undefined || pm.type === type));
}

export const paymentMethodRoutes: Route[] = [
  {
    method: "POST",
    pattern: "/v1/payment_methods",
    handler: ({ emu, params }) => {
      const type = params.requiredString("type");
      if (type !== "card") throw invalidRequest(`The emulator only supports card payment methods (got ${type}).`, { param: "type" });
      const card = params.object("card");
      if (!card) throw parameterMissing("card");
      const token = card.string("token");
      const number = token ? MAGIC_PAYMENT_METHODS[`pm_card_${token.replace(/^tok_/, "")}`] : card.requiredString("number");
      if (!number) throw invalidRequest(`No such token: '${token}'`, { code: "resource_missing", param: "card[token]" });
      const pm = createCardPaymentMethod(emu, number, card.int("exp_month") ?? 12, card.int("exp_year") ?? new Date().getUTCFullYear() + 3, null);
      pm.metadata = applyMetadata({}, params.metadataPatch());
      return pm;
    },
  },
  {
    method: "GET",
    pattern: "/v1/payment_methods/:id",
    handler: ({ emu, path }) => getOr404(emu.state.paymentMethods, path.id ?? "", "PaymentMethod"),
  },
  {
    method: "GET",
    pattern: "/v1/payment_methods",
    handler: ({ emu, params }) => {
      const customer = params.string("customer");
      if (customer) requireCustomer(emu, customer);
      return paginate(listPaymentMethods(emu, customer, params.string("type")), params, "/v1/payment_methods");
    },
  },
  {
    method: "GET",
    pattern: "/v1/customers/:id/payment_methods",
    handler: ({ emu, params, path }) => {
      const customer = requireCustomer(emu, path.id ?? "", "customer");
      return paginate(listPaymentMethods(emu, customer.id, params.string("type")), params, `/v1/customers/${customer.id}/payment_methods`);
    },
  },
  {
    method: "POST",
    pattern: "/v1/payment_methods/:id/attach",
    handler: ({ emu, params, path }) => {
      const customer = requireCustomer(emu, params.requiredString("customer"));
      const pm = resolvePaymentMethod(emu, path.id ?? "", customer.id, "id");
      return attachPaymentMethod(emu, pm, customer.id);
    },
  },
  {
    method: "POST",
    pattern: "/v1/payment_methods/:id/detach",
    handler: ({ emu, path }) => {
      const pm = getOr404(emu.state.paymentMethods, path.id ?? "", "PaymentMethod");
      if (!pm.customer) throw invalidRequest("The payment method you provided is not attached to a customer so detachment is impossible.", { code: "payment_method_unexpected_state" });
      const customerId = typeof pm.customer === "string" ? pm.customer : pm.customer.id;
      pm.customer = null;
      const customer = emu.state.customers[customerId];
      if (customer && customer.invoice_settings.default_payment_method === pm.id) customer.invoice_settings.default_payment_method = null;
      emu.emit("payment_method.detached", pm, customerId);
      return pm;
    },
  },
];
