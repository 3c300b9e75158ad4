import type Stripe from "stripe";
import type { Emulator } from "../core";
import { newId } from "../state/ids";
import { invalidRequest } from "../server/errors";
import { matchesRange, paginate } from "../server/list";
import { applyMetadata, type Params } from "../server/params";
import type { Route } from "../server/router";
import { searchItems, searchResult } from "../server/search";
import { checkMetadata, getOr404, requireCurrency, requireCustomer } from "./common";
import { attachPaymentMethod, resolvePaymentMethod } from "./paymentMethods";
import { endSubscription } from "../billing/subscriptions";

export function buildCustomer(fields: { email: string | null; name: string | null; created: number; testClock: string | null }): Stripe.Customer {
  return {
    id: newId("cus"),
    object: "customer",
    address: null,
    balance: 0,
    created: fields.created,
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: fields.email,
    invoice_prefix: newId("x").slice(2, 10).toUpperCase(),
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: {},
    name: fields.name,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: fields.testClock,
  };
}

/** Creates a customer and its `customer.created` event (also used by checkout). */
export function createCustomer(emu: Emulator, fields: { email: string | null; name: string | null; testClock: string | null; metadata?: Record<string, string> }): Stripe.Customer {
  const created = fields.testClock ? (emu.state.testClocks[fields.testClock]?.frozen_time ?? emu.clock.realNow()) : emu.clock.realNow();
  const customer = buildCustomer({ ...fields, created });
  customer.metadata = fields.metadata ?? {};
  emu.state.customers[customer.id] = customer;
  emu.emit("customer.created", customer, customer.id);
  return customer;
}

function setDefaultPaymentMethod(emu: Emulator, customer: Stripe.Customer, pmId: string | null): void {
  if (pmId === null) {
    customer.invoice_settings.default_payment_method = null;
    return;
  }
  const pm = emu.state.paymentMethods[pmId];
  if (!pm || pm.customer !== customer.id) {
    throw invalidRequest(`The customer does not have a payment method with the ID ${pmId}. The payment method must be attached to the customer.`, {
      code: "resource_missing",
      param: "invoice_settings[default_payment_method]",
    });
  }
  customer.invoice_settings.default_payment_method = pmId;
}

function applyCommonFields(emu: Emulator, customer: Stripe.Customer, params: Params): void {
  if (params.has("email")) customer.email = params.nullableString("email") ?? null;
  if (params.has("name")) customer.name = params.nullableString("name") ?? null;
  if (params.has("description")) customer.description = params.nullableString("description") ?? null;
  if (params.has("phone")) customer.phone = params.nullableString("phone") ?? null;
  if (params.has("metadata")) customer.metadata = checkMetadata(applyMetadata(customer.metadata, params.metadataPatch()));
  const invoiceSettings = params.object("invoice_settings");
  if (invoiceSettings?.has("default_payment_method")) {
    setDefaultPaymentMethod(emu, customer, invoiceSettings.nullableString("default_payment_method") ?? null);
  }
}

function customerField(customer: Stripe.Customer, field: string): string | null | undefined {
  if (field.startsWith("metadata.")) return customer.metadata[field.slice(9)];
  if (field === "email") return customer.email;
  if (field === "name") return customer.name;
  if (field === "phone") return customer.phone;
  if (field === "created") return String(customer.created);
  return undefined;
}

export const customerRoutes: Route[] = [
  {
    method: "POST",
    pattern: "/v1/customers",
    handler: ({ emu, params }) => {
      const testClock = params.string("test_clock") ?? null;
      if (testClock) getOr404(emu.state.testClocks, testClock, "test_helpers.test_clock", "test_clock");
      const customer = buildCustomer({ email: null, name: null, created: 0, testClock });
      customer.created = testClock ? (emu.state.testClocks[testClock]?.frozen_time ?? emu.clock.realNow()) : emu.clock.realNow();
      emu.state.customers[customer.id] = customer;
      const pmId = params.string("payment_method");
      if (pmId) attachPaymentMethod(emu, resolvePaymentMethod(emu, pmId, customer.id), customer.id);
      try {
        applyCommonFields(emu, customer, params);
      } catch (err) {
        delete emu.state.customers[customer.id];
        throw err;
      }
      emu.emit("customer.created", customer, customer.id);
      return customer;
    },
  },
  {
    method: "GET",
    pattern: "/v1/customers/search",
    handler: ({ emu, params }) => {
      const hits = searchItems(Object.values(emu.state.customers), params.requiredString("query"), customerField);
      return searchResult(hits, params, "/v1/customers/search");
    },
  },
  {
    method: "GET",
    pattern: "/v1/customers/:id",
    handler: ({ emu, path }) => getOr404(emu.state.customers, path.id ?? "", "customer"),
  },
  {
    method: "POST",
    pattern: "/v1/customers/:id",
    handler: ({ emu, params, path }) => {
      const customer = getOr404(emu.state.customers, path.id ?? "", "customer");
      return emu.update(customer, "customer.updated", customer.id, (c) => applyCommonFields(emu, c, params));
    },
  },
  {
    method: "DELETE",
    pattern: "/v1/customers/:id",
    handler: ({ emu, path }) => {
      const customer = getOr404(emu.state.customers, path.id ?? "", "customer");
      // Stripe cancels a deleted customer's subscriptions immediately.
      for (const sub of Object.values(emu.state.subscriptions)) {
        if (sub.customer === customer.id && sub.status !== "canceled") endSubscription(emu, sub, emu.clock.nowFor(customer.id), "cancellation_requested");
      }
      delete emu.state.customers[customer.id];
      emu.emit("customer.deleted", customer, null);
      return { id: customer.id, object: "customer", deleted: true } satisfies Stripe.DeletedCustomer;
    },
  },
  {
    method: "GET",
    pattern: "/v1/customers",
    handler: ({ emu, params }) => {
      const email = params.string("email");
      const clock = params.string("test_clock");
      const items = Object.values(emu.state.customers).filter(
        (c) => (email === undefined || c.email === email) && (clock === undefined || c.test_clock === clock) && matchesRange(c.created, params, "created"),
      );
      return paginate(items, params, "/v1/customers");
    },
  },
  {
    method: "POST",
    pattern: "/v1/customers/:id/balance_transactions",
    handler: ({ emu, params, path }) => {
      const customer = requireCustomer(emu, path.id ?? "", "id");
      const amount = params.requiredInt("amount");
      const currency = requireCurrency(params.string("currency"));
      const txn = recordBalanceTransaction(emu, customer, amount, currency, "adjustment", { description: params.string("description") ?? null });
      txn.metadata = checkMetadata(applyMetadata({}, params.metadataPatch()));
      return txn;
    },
  },
  {
    method: "GET",
    pattern: "/v1/customers/:id/balance_transactions",
    handler: ({ emu, params, path }) => {
      const customer = requireCustomer(emu, path.id ?? "", "id");
      const items = Object.values(emu.state.balanceTransactions).filter((t) => t.customer === customer.id);
      return paginate(items, params, `/v1/customers/${customer.id}/balance_transactions`);
    },
  },
  {
    method: "GET",
    pattern: "/v1/customers/:id/balance_transactions/:txn",
    handler: ({ emu, path }) => {
      const txn = getOr404(emu.state.balanceTransactions, path.txn ?? "", "customer_balance_transaction");
      if (txn.customer !== path.id) throw getOr404({}, path.txn ?? "", "customer_balance_transaction");
      return txn;
    },
  },
];

/**
 * Moves the customer's balance. Negative amounts are credits the next invoices
 * consume; positive amounts are debits added to the next invoice.
 */
export function recordBalanceTransaction(
  emu: Emulator,
  customer: Stripe.Customer,
  amount: number,
  currency: string,
  type: Stripe.CustomerBalanceTransaction.Type,
  links: { description?: string | null; invoice?: string | null; creditNote?: string | null } = {},
): Stripe.CustomerBalanceTransaction {
  if (customer.currency && customer.currency !== currency) {
    throw invalidRequest(`You cannot create a balance transaction in ${currency}; the customer's currency is ${customer.currency}.`, { param: "currency" });
  }
  customer.currency = currency;
  customer.balance += amount;
  const txn: Stripe.CustomerBalanceTransaction = {
    id: newId("cbtxn"),
    object: "customer_balance_transaction",
    amount,
    checkout_session: null,
    created: emu.clock.nowFor(customer.id),
    credit_note: links.creditNote ?? null,
    currency,
    customer: customer.id,
    customer_account: null,
    description: links.description ?? null,
    ending_balance: customer.balance,
    invoice: links.invoice ?? null,
    livemode: false,
    metadata: {},
    type,
  };
  emu.state.balanceTransactions[txn.id] = txn;
  return txn;
}
