import type Stripe from "stripe";

/**
 * The emulator's whole world. Stripe objects are stored in the exact shape the
 * API returns (ids for relations, never expanded) so reads are plain lookups and
 * persistence is one JSON file. Facts Stripe keeps but does not expose (a card's
 * test behaviour, checkout inputs, raw meter events) live in the `internal*` tables.
 */
export interface EmulatorState {
  version: 1;
  customers: Record<string, Stripe.Customer>;
  products: Record<string, Stripe.Product>;
  prices: Record<string, Stripe.Price>;
  meters: Record<string, Stripe.Billing.Meter>;
  checkoutSessions: Record<string, Stripe.Checkout.Session>;
  paymentIntents: Record<string, Stripe.PaymentIntent>;
  paymentMethods: Record<string, Stripe.PaymentMethod>;
  charges: Record<string, Stripe.Charge>;
  refunds: Record<string, Stripe.Refund>;
  subscriptions: Record<string, Stripe.Subscription>;
  invoices: Record<string, Stripe.Invoice>;
  portalSessions: Record<string, Stripe.BillingPortal.Session>;
  events: Record<string, Stripe.Event>;
  testClocks: Record<string, Stripe.TestHelpers.TestClock>;
  balanceTransactions: Record<string, Stripe.CustomerBalanceTransaction>;
  creditNotes: Record<string, Stripe.CreditNote>;
  webhookEndpoints: Record<string, StoredWebhookEndpoint>;
  /** Accepted meter events: the usage store behind summaries and invoices (kept ≥ 35 days). */
  internalMeterEvents: StoredMeterEvent[];
  /** The `identifier` dedupe index (≥ 24 h); pruned on its own so usage outlives it. */
  internalMeterIdentifiers: Record<string, MeterIdentifier>;
  internalCheckout: Record<string, CheckoutInternals>;
  internalCards: Record<string, CardBehaviour>;
  /** Prices made from checkout `price_data`; Stripe leaves them out of `prices.list`. */
  internalInlinePrices: Record<string, true>;
  internalPendingItems: PendingInvoiceItem[];
  internalAsyncPayments: AsyncPayment[];
  /** Which PaymentIntent paid which invoice (`invoice.payments`, `/v1/invoice_payments`). */
  invoicePayments: Record<string, Stripe.InvoicePayment>;
  idempotency: Record<string, IdempotencyRecord>;
  webhookQueue: QueuedDelivery[];
  deliveryLog: DeliveryLogEntry[];
  counters: { invoiceNumber: number; creditNoteNumber: number };
}

export type StoredWebhookEndpoint = Stripe.WebhookEndpoint & { secret: string };

export interface StoredMeterEvent {
  event: Stripe.Billing.MeterEvent;
  customer: string;
  value: number;
  /** Real time the event arrived; dedupe windows are measured from here. */
  receivedAtMs: number;
  /** False when the event was rejected asynchronously (e.g. unknown customer). */
  counted: boolean;
}

export interface MeterIdentifier {
  /** The event first accepted with this identifier; a resend returns it unchanged. */
  event: Stripe.Billing.MeterEvent;
  customer: string;
  receivedAtMs: number;
}

export interface CheckoutInternals {
  lineItems: Stripe.LineItem[];
  setupFutureUsage: "off_session" | "on_session" | null;
  paymentIntentMetadata: Record<string, string>;
  paymentIntentDescription: string | null;
  subscriptionMetadata: Record<string, string>;
}

/** How a test card behaves; mirrors Stripe's documented test numbers. */
export interface CardBehaviour {
  /** Outcome when the card is charged. */
  charge: "succeeds" | "generic_decline" | "insufficient_funds" | "expired_card" | "incorrect_cvc";
  /** Whether attaching the card to a customer is declined up front. */
  attachDeclined: boolean;
}

/** Proration lines waiting for the subscription's next invoice. */
export interface PendingInvoiceItem {
  id: string;
  customer: string;
  subscription: string;
  subscriptionItem: string;
  price: string;
  amount: number;
  quantity: number;
  description: string;
  period: { start: number; end: number };
}

export interface AsyncPayment {
  sessionId: string;
  outcome: "succeeded" | "failed";
  dueAtMs: number;
}

export interface IdempotencyRecord {
  fingerprint: string;
  method: string;
  path: string;
  status: number;
  body: string;
  createdAtMs: number;
}

export interface QueuedDelivery {
  eventId: string;
  endpointId: string;
  attempt: number;
  notBeforeMs: number;
}

export interface DeliveryLogEntry {
  eventId: string;
  eventType: string;
  endpointId: string;
  url: string;
  attempt: number;
  status: number | null;
  error: string | null;
  ok: boolean;
  at: string;
  durationMs: number;
}

export function createEmptyState(): EmulatorState {
  return {
    version: 1,
    customers: {},
    products: {},
    prices: {},
    meters: {},
    checkoutSessions: {},
    paymentIntents: {},
    paymentMethods: {},
    charges: {},
    refunds: {},
    subscriptions: {},
    invoices: {},
    portalSessions: {},
    events: {},
    testClocks: {},
    balanceTransactions: {},
    creditNotes: {},
    webhookEndpoints: {},
    internalMeterEvents: [],
    internalMeterIdentifiers: {},
    internalCheckout: {},
    internalCards: {},
    internalInlinePrices: {},
    internalPendingItems: [],
    internalAsyncPayments: [],
    invoicePayments: {},
    idempotency: {},
    webhookQueue: [],
    deliveryLog: [],
    counters: { invoiceNumber: 0, creditNoteNumber: 0 },
  };
}

/** Which collection an id belongs to, by Stripe's id prefixes; used by `expand[]`. */
export function lookupById(state: EmulatorState, id: string): unknown {
  const prefix = id.startsWith("cs_") ? "cs" : id.slice(0, id.indexOf("_"));
  const tables: Record<string, Record<string, unknown>> = {
    cus: state.customers,
    prod: state.products,
    price: state.prices,
    mtr: state.meters,
    cs: state.checkoutSessions,
    pi: state.paymentIntents,
    pm: state.paymentMethods,
    ch: state.charges,
    re: state.refunds,
    sub: state.subscriptions,
    in: state.invoices,
    bps: state.portalSessions,
    evt: state.events,
    clock: state.testClocks,
    cbtxn: state.balanceTransactions,
    cn: state.creditNotes,
    inpay: state.invoicePayments,
  };
  return tables[prefix]?.[id];
}
