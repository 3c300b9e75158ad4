import type Stripe from "stripe";
import type { Emulator } from "../core";
import { snapshot } from "../events";
import { newId } from "../state/ids";
import type { CheckoutInternals } from "../state/store";
import { invalidRequest, parameterInvalid, parameterMissing } from "../server/errors";
import { matchesRange, paginate } from "../server/list";
import { applyMetadata, type Params } from "../server/params";
import type { Route } from "../server/router";
import { lineAmount } from "../billing/money";
import { checkMetadata, getOr404, requireCustomer } from "./common";
import { createPrice } from "./prices";

const SESSION_LIFETIME_SECONDS = 24 * 3600;

function resolveLinePrice(emu: Emulator, line: Params): Stripe.Price {
  const priceId = line.string("price");
  if (priceId) return getOr404(emu.state.prices, priceId, "price", line.name("price"));
  const priceData = line.object("price_data");
  if (!priceData) throw parameterMissing(line.name("price"));
  // Inline prices are real prices that never show up in lists, like Stripe's.
  const price = createPrice(emu, priceData, false);
  price.active = false;
  emu.state.internalInlinePrices[price.id] = true;
  return price;
}

export function buildCheckoutLineItem(emu: Emulator, price: Stripe.Price, quantity: number | null): Stripe.LineItem {
  const amount = quantity === null ? 0 : lineAmount(price, quantity);
  const product = emu.state.products[price.product as string];
  return {
    id: newId("li"),
    object: "item",
    adjustable_quantity: null,
    amount_discount: 0,
    amount_subtotal: amount,
    amount_tax: 0,
    amount_total: amount,
    currency: price.currency,
    description: product?.name ?? null,
    metadata: {},
    price: snapshot(price),
    quantity,
  };
}

function readLineItems(emu: Emulator, params: Params, mode: Stripe.Checkout.Session.Mode): Stripe.LineItem[] {
  const lines = params.objects("line_items");
  if (lines.length === 0) throw parameterMissing("line_items");
  const items = lines.map((line) => {
    const price = resolveLinePrice(emu, line);
    const metered = price.recurring?.usage_type === "metered";
    const quantity = line.int("quantity");
    if (metered && quantity !== undefined) {
      throw invalidRequest("Quantity should not be specified where usage_type is `metered`. Remove quantity from `line_items[0]`.", { param: line.name("quantity") });
    }
    if (!metered && quantity === undefined) throw parameterMissing(line.name("quantity"));
    if (quantity !== undefined && quantity < 1) throw parameterInvalid(line.name("quantity"), "Quantity must be at least 1.", "integer");
    if (mode === "payment" && price.recurring) {
      throw invalidRequest("You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.", { param: line.name("price") });
    }
    if (!price.active && line.has("price")) throw invalidRequest(`The price specified (${price.id}) is inactive.`, { param: line.name("price") });
    return buildCheckoutLineItem(emu, price, metered ? null : (quantity ?? 1));
  });
  if (mode === "subscription" && !items.some((i) => i.price?.recurring)) {
    throw invalidRequest("You must provide at least one recurring price in `subscription` mode when using prices.", { param: "line_items" });
  }
  const currencies = new Set(items.map((i) => i.currency));
  if (currencies.size > 1) throw invalidRequest("All line items must use the same currency.", { param: "line_items" });
  return items;
}

export function buildCheckoutSession(fields: {
  id: string;
  mode: Stripe.Checkout.Session.Mode;
  created: number;
  url: string;
  currency: string;
  amount: number;
  successUrl: string;
  cancelUrl: string | null;
}): Stripe.Checkout.Session {
  return {
    id: fields.id,
    object: "checkout.session",
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: null,
    amount_subtotal: fields.amount,
    amount_total: fields.amount,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: fields.cancelUrl,
    client_reference_id: null,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: fields.created,
    currency: fields.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: null,
    customer_account: null,
    customer_creation: null,
    customer_details: null,
    customer_email: null,
    discounts: [],
    expires_at: fields.created + SESSION_LIFETIME_SECONDS,
    integration_identifier: null,
    invoice: null,
    invoice_creation: null,
    livemode: false,
    locale: null,
    managed_payments: null,
    metadata: {},
    mode: fields.mode,
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: fields.mode === "subscription" ? "always" : null,
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ["card"],
    payment_status: "unpaid",
    permissions: null,
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: "open",
    submit_type: null,
    subscription: null,
    success_url: fields.successUrl,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: "hosted",
    url: fields.url,
    wallet_options: null,
  };
}

function createSession(emu: Emulator, params: Params): Stripe.Checkout.Session {
  if (params.has("ui_mode") && params.string("ui_mode") !== "hosted") {
    throw invalidRequest("The Stripe emulator only implements hosted Checkout (ui_mode=hosted).", { param: "ui_mode" });
  }
  const mode = params.oneOf("mode", ["payment", "subscription", "setup"] as const);
  if (!mode) throw parameterMissing("mode");
  if (mode === "setup") throw invalidRequest("The Stripe emulator does not implement `setup` mode checkout sessions.", { param: "mode" });
  const successUrl = params.requiredString("success_url");
  if (!/^https?:\/\//.test(successUrl)) throw invalidRequest("Not a valid URL", { param: "success_url" });
  const cancelUrl = params.string("cancel_url") ?? null;
  if (cancelUrl !== null && !/^https?:\/\//.test(cancelUrl)) throw invalidRequest("Not a valid URL", { param: "cancel_url" });
  const customerId = params.string("customer") ?? null;
  const customerEmail = params.string("customer_email") ?? null;
  if (customerId && customerEmail) throw invalidRequest("You may only specify one of these parameters: customer, customer_email.", { param: "customer_email" });
  const customer = customerId ? requireCustomer(emu, customerId) : null;
  const customerCreation = params.oneOf("customer_creation", ["always", "if_required"] as const) ?? null;
  if (customerCreation && mode !== "payment") throw invalidRequest("`customer_creation` can only be used in `payment` mode.", { param: "customer_creation" });
  if (customerCreation && customer) throw invalidRequest("You may only specify one of these parameters: customer, customer_creation.", { param: "customer_creation" });
  const piData = params.object("payment_intent_data");
  if (piData && mode !== "payment") throw invalidRequest("You can not pass `payment_intent_data` in `subscription` mode.", { param: "payment_intent_data" });
  const subData = params.object("subscription_data");
  if (subData && mode !== "subscription") throw invalidRequest("You can only pass `subscription_data` in `subscription` mode.", { param: "subscription_data" });

  const lineItems = readLineItems(emu, params, mode);
  const id = newId("cs_test");
  const now = emu.clock.nowFor(customer?.id ?? null);
  const session = buildCheckoutSession({
    id,
    mode,
    created: now,
    url: `${emu.config.publicUrl}/checkout/${id}`,
    currency: lineItems[0]?.currency ?? "usd",
    amount: lineItems.reduce((sum, item) => sum + item.amount_total, 0),
    successUrl,
    cancelUrl,
  });
  const expiresAt = params.int("expires_at");
  if (expiresAt !== undefined) {
    if (expiresAt < now + 1800 || expiresAt > now + SESSION_LIFETIME_SECONDS) throw invalidRequest("expires_at must be between 30 minutes and 24 hours from now.", { param: "expires_at" });
    session.expires_at = expiresAt;
  }
  session.customer = customer?.id ?? null;
  session.customer_email = customerEmail;
  session.customer_creation = mode === "payment" && !customer ? (customerCreation ?? "if_required") : null;
  session.client_reference_id = params.string("client_reference_id") ?? null;
  session.metadata = checkMetadata(applyMetadata({}, params.metadataPatch()));
  const internals: CheckoutInternals = {
    lineItems,
    setupFutureUsage: piData?.oneOf("setup_future_usage", ["off_session", "on_session"] as const) ?? null,
    paymentIntentMetadata: piData ? checkMetadata(applyMetadata({}, piData.metadataPatch()), "payment_intent_data[metadata]") : {},
    paymentIntentDescription: piData?.string("description") ?? null,
    subscriptionMetadata: subData ? checkMetadata(applyMetadata({}, subData.metadataPatch()), "subscription_data[metadata]") : {},
  };
  emu.state.checkoutSessions[id] = session;
  emu.state.internalCheckout[id] = internals;
  return session;
}

function getSession(emu: Emulator, id: string): Stripe.Checkout.Session {
  const session = getOr404(emu.state.checkoutSessions, id, "checkout.session");
  expireIfDue(emu, session);
  return session;
}

/** Open sessions past `expires_at` become `expired` (and emit the event) when next touched. */
export function expireIfDue(emu: Emulator, session: Stripe.Checkout.Session): void {
  if (session.status === "open" && emu.clock.nowFor(session.customer as string | null) >= session.expires_at) {
    session.status = "expired";
    session.url = null;
    emu.emit("checkout.session.expired", session, session.customer as string | null);
  }
}

export function checkoutLineItems(emu: Emulator, sessionId: string): Stripe.LineItem[] {
  return emu.state.internalCheckout[sessionId]?.lineItems ?? [];
}

export const checkoutRoutes: Route[] = [
  { method: "POST", pattern: "/v1/checkout/sessions", handler: ({ emu, params }) => createSession(emu, params) },
  { method: "GET", pattern: "/v1/checkout/sessions/:id", handler: ({ emu, path }) => getSession(emu, path.id ?? "") },
  {
    method: "GET",
    pattern: "/v1/checkout/sessions/:id/line_items",
    handler: ({ emu, params, path }) => {
      const session = getSession(emu, path.id ?? "");
      return paginate(checkoutLineItems(emu, session.id), params, `/v1/checkout/sessions/${session.id}/line_items`, true);
    },
  },
  {
    method: "POST",
    pattern: "/v1/checkout/sessions/:id/expire",
    handler: ({ emu, path }) => {
      const session = getSession(emu, path.id ?? "");
      if (session.status !== "open") throw invalidRequest(`Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`, { code: "checkout_session_unexpected_state" as string });
      session.status = "expired";
      session.url = null;
      emu.emit("checkout.session.expired", session, session.customer as string | null);
      return session;
    },
  },
  {
    method: "GET",
    pattern: "/v1/checkout/sessions",
    handler: ({ emu, params }) => {
      const customer = params.string("customer");
      const pi = params.string("payment_intent");
      const sub = params.string("subscription");
      const status = params.string("status");
      const items = Object.values(emu.state.checkoutSessions).filter(
        (s) =>
          (customer === undefined || s.customer === customer) &&
          (pi === undefined || s.payment_intent === pi) &&
          (sub === undefined || s.subscription === sub) &&
          (status === undefined || s.status === status) &&
          matchesRange(s.created, params, "created"),
      );
      return paginate(items, params, "/v1/checkout/sessions");
    },
  },
];
