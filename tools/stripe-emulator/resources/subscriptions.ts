import type Stripe from "stripe";
import type { Emulator } from "../core";
import { snapshot } from "../events";
import { newId } from "../state/ids";
import { invalidRequest, parameterMissing } from "../server/errors";
import { matchesRange, paginate } from "../server/list";
import { applyMetadata, type Params } from "../server/params";
import type { Route } from "../server/router";
import { buildSubscriptionItem, currentPeriod, endSubscription, invoiceNow, prorationLines, startSubscription, type ItemInput } from "../billing/subscriptions";
import { checkMetadata, getOr404, requireCustomer } from "./common";
import { planFromPrice } from "./prices";

const PRORATION = ["create_prorations", "none", "always_invoice"] as const;
type ProrationBehavior = (typeof PRORATION)[number];

export function readItemInputs(emu: Emulator, items: Params[]): ItemInput[] {
  if (items.length === 0) throw parameterMissing("items");
  return items.map((item) => {
    const priceId = item.requiredString("price");
    const price = getOr404(emu.state.prices, priceId, "price", item.name("price"));
    if (!price.recurring) throw invalidRequest(`The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`, { param: item.name("price") });
    if (!price.active) throw invalidRequest(`The price specified is inactive. This field only accepts active prices.`, { param: item.name("price") });
    const metered = price.recurring.usage_type === "metered";
    const quantity = item.int("quantity");
    if (metered && quantity !== undefined) throw invalidRequest("Quantity should not be specified where usage_type is `metered`. Remove quantity from the request.", { param: item.name("quantity") });
    return { price, quantity: metered ? null : (quantity ?? 1) };
  });
}

function checkSameInterval(items: ItemInput[]): void {
  const intervals = new Set(items.map((i) => `${i.price.recurring?.interval}/${i.price.recurring?.interval_count}`));
  if (intervals.size > 1) throw invalidRequest("All prices on a subscription must have the same `recurring.interval` and `recurring.interval_count`.", { param: "items" });
  const currencies = new Set(items.map((i) => i.price.currency));
  if (currencies.size > 1) throw invalidRequest("All prices on a subscription must have the same currency.", { param: "items" });
}

export function updateSubscription(emu: Emulator, sub: Stripe.Subscription, params: Params): Stripe.Subscription {
  if (sub.status === "canceled" || sub.status === "incomplete_expired") {
    throw invalidRequest(`A canceled subscription can only update its cancellation_details and metadata.`);
  }
  const customerId = sub.customer as string;
  const now = emu.clock.nowFor(customerId);
  const proration: ProrationBehavior = params.oneOf("proration_behavior", PRORATION) ?? "create_prorations";
  const prorations: Array<{ item: Stripe.SubscriptionItem; lines: ReturnType<typeof prorationLines> }> = [];

  emu.update(sub, "customer.subscription.updated", customerId, (s) => {
    const period = currentPeriod(s);
    for (const itemParams of params.objects("items")) {
      const itemId = itemParams.string("id");
      const existing = itemId ? s.items.data.find((i) => i.id === itemId) : undefined;
      if (itemId && !existing) throw invalidRequest(`No such subscription item: '${itemId}'`, { code: "resource_missing", param: itemParams.name("id") });
      if (existing && itemParams.bool("deleted")) {
        s.items.data = s.items.data.filter((i) => i.id !== existing.id);
        continue;
      }
      const priceId = itemParams.string("price");
      if (existing) {
        if (priceId && priceId !== existing.price.id) {
          const [input] = readItemInputs(emu, [itemParams]);
          if (!input) continue;
          if ((input.price.recurring?.usage_type === "metered") !== (existing.price.recurring?.usage_type === "metered")) {
            throw invalidRequest("Switching between metered and licensed prices on one item is not supported; delete the item and add a new one.", { param: itemParams.name("price") });
          }
          if (proration !== "none") prorations.push({ item: existing, lines: prorationLines(emu, s, existing, input.price, now) });
          existing.price = snapshot(input.price);
          existing.plan = planFromPrice(input.price);
        }
        const quantity = itemParams.int("quantity");
        if (quantity !== undefined) existing.quantity = quantity;
        if (itemParams.has("metadata")) existing.metadata = applyMetadata(existing.metadata, itemParams.metadataPatch());
      } else {
        const [input] = readItemInputs(emu, [itemParams]);
        if (input) s.items.data.push(buildSubscriptionItem(s.id, input, period, now));
      }
    }
    checkSameInterval(s.items.data.map((i) => ({ price: i.price, quantity: i.quantity ?? null })));
    if (params.has("cancel_at_period_end")) {
      const cancel = params.bool("cancel_at_period_end") ?? false;
      s.cancel_at_period_end = cancel;
      s.cancel_at = cancel ? period.end : null;
      s.canceled_at = cancel ? now : null;
      s.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: cancel ? "cancellation_requested" : null };
    }
    if (params.has("cancel_at")) {
      const at = params.string("cancel_at") === "" ? null : (params.int("cancel_at") ?? null);
      if (at !== null && at <= now) throw invalidRequest("cancel_at must be in the future.", { param: "cancel_at" });
      s.cancel_at = at;
      s.cancel_at_period_end = s.cancel_at !== null && s.cancel_at === period.end;
      s.canceled_at = s.cancel_at === null ? null : now;
    }
    const details = params.object("cancellation_details");
    if (details && s.cancellation_details) {
      if (details.has("comment")) s.cancellation_details.comment = details.nullableString("comment") ?? null;
      if (details.has("feedback")) s.cancellation_details.feedback = (details.nullableString("feedback") ?? null) as Stripe.Subscription.CancellationDetails.Feedback | null;
    }
    if (params.has("default_payment_method")) {
      const pmId = params.nullableString("default_payment_method") ?? null;
      if (pmId) {
        const pm = getOr404(emu.state.paymentMethods, pmId, "PaymentMethod", "default_payment_method");
        if (pm.customer !== customerId) throw invalidRequest("The payment method must be attached to the subscription's customer.", { param: "default_payment_method" });
      }
      s.default_payment_method = pmId;
    }
    if (params.has("metadata")) s.metadata = checkMetadata(applyMetadata(s.metadata, params.metadataPatch()));
  });

  for (const { item, lines } of prorations) {
    const { end } = currentPeriod(sub);
    for (const line of lines) {
      emu.state.internalPendingItems.push({
        id: newId("ii"),
        customer: customerId,
        subscription: sub.id,
        subscriptionItem: item.id,
        price: line.price.id,
        amount: line.amount,
        quantity: item.quantity ?? 1,
        description: line.description,
        period: { start: now, end },
      });
    }
  }
  if (proration === "always_invoice" && prorations.some((p) => p.lines.length > 0)) invoiceNow(emu, sub, "subscription_update", false);
  return sub;
}

export const subscriptionRoutes: Route[] = [
  {
    method: "POST",
    pattern: "/v1/subscriptions",
    handler: ({ emu, params }) => {
      const customer = requireCustomer(emu, params.requiredString("customer"));
      const items = readItemInputs(emu, params.objects("items"));
      checkSameInterval(items);
      const pmId = params.string("default_payment_method") ?? (customer.invoice_settings.default_payment_method as string | null);
      if (pmId) {
        const pm = getOr404(emu.state.paymentMethods, pmId, "PaymentMethod", "default_payment_method");
        if (pm.customer !== customer.id) throw invalidRequest("The payment method must be attached to the customer.", { param: "default_payment_method" });
      } else {
        throw invalidRequest("This customer has no attached payment source or default payment method. Please consider adding a default payment method.", { code: "resource_missing" });
      }
      const { subscription } = startSubscription(emu, {
        customer,
        items,
        start: emu.clock.nowFor(customer.id),
        defaultPaymentMethod: params.string("default_payment_method") ?? null,
        metadata: checkMetadata(applyMetadata({}, params.metadataPatch())),
      });
      return subscription;
    },
  },
  { method: "GET", pattern: "/v1/subscriptions/:id", handler: ({ emu, path }) => getOr404(emu.state.subscriptions, path.id ?? "", "subscription") },
  {
    method: "POST",
    pattern: "/v1/subscriptions/:id",
    handler: ({ emu, params, path }) => updateSubscription(emu, getOr404(emu.state.subscriptions, path.id ?? "", "subscription"), params),
  },
  {
    method: "DELETE",
    pattern: "/v1/subscriptions/:id",
    handler: ({ emu, params, path }) => {
      const sub = getOr404(emu.state.subscriptions, path.id ?? "", "subscription");
      if (sub.status === "canceled") throw invalidRequest(`This subscription has already been canceled.`, { code: "resource_missing" });
      if (params.bool("invoice_now")) invoiceNow(emu, sub, "subscription_cycle", true);
      const details = params.object("cancellation_details");
      if (details && sub.cancellation_details) {
        sub.cancellation_details.comment = details.nullableString("comment") ?? null;
      }
      sub.canceled_at = emu.clock.nowFor(sub.customer as string);
      endSubscription(emu, sub, sub.canceled_at, "cancellation_requested");
      return sub;
    },
  },
  {
    method: "GET",
    pattern: "/v1/subscription_items",
    handler: ({ emu, params }) => {
      const sub = getOr404(emu.state.subscriptions, params.requiredString("subscription"), "subscription", "subscription");
      return paginate(sub.items.data, params, `/v1/subscription_items?subscription=${sub.id}`, true);
    },
  },
  {
    method: "GET",
    pattern: "/v1/subscription_items/:id",
    handler: ({ emu, path }) => {
      for (const sub of Object.values(emu.state.subscriptions)) {
        const item = sub.items.data.find((i) => i.id === path.id);
        if (item) return item;
      }
      return getOr404({}, path.id ?? "", "subscription_item");
    },
  },
  {
    method: "GET",
    pattern: "/v1/subscriptions",
    handler: ({ emu, params }) => {
      const customer = params.string("customer");
      const price = params.string("price");
      const status = params.string("status");
      const clock = params.string("test_clock");
      const items = Object.values(emu.state.subscriptions).filter(
        (s) =>
          (customer === undefined || s.customer === customer) &&
          (price === undefined || s.items.data.some((i) => i.price.id === price)) &&
          (status === undefined ? s.status !== "canceled" : status === "all" || s.status === status) &&
          (clock === undefined || s.test_clock === clock) &&
          matchesRange(s.created, params, "created"),
      );
      return paginate(items, params, "/v1/subscriptions");
    },
  },
];
