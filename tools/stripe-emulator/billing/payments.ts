import type Stripe from "stripe";
import type { Emulator } from "../core";
import { newId, newSecret } from "../state/ids";
import { declineFor } from "./cards";

export function buildPaymentIntent(fields: {
  amount: number;
  currency: string;
  customer: string | null;
  paymentMethod: string | null;
  created: number;
  metadata: Record<string, string>;
  description: string | null;
  setupFutureUsage: Stripe.PaymentIntent.SetupFutureUsage | null;
}): Stripe.PaymentIntent {
  const id = newId("pi");
  return {
    id,
    object: "payment_intent",
    allowed_payment_method_types: null,
    amount: fields.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: "automatic",
    client_secret: `${id}_secret_${newSecret("x").slice(2, 27)}`,
    confirmation_method: "automatic",
    created: fields.created,
    currency: fields.currency,
    customer: fields.customer,
    customer_account: null,
    description: fields.description,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: fields.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: fields.paymentMethod,
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ["card"],
    payment_record: null,
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: fields.setupFutureUsage,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: fields.paymentMethod ? "requires_confirmation" : "requires_payment_method",
    transfer_data: null,
    transfer_group: null,
  };
}

export function buildCharge(pi: Stripe.PaymentIntent, pm: Stripe.PaymentMethod, created: number, failure: { code: string; declineCode: string; message: string } | null): Stripe.Charge {
  const id = newId("ch");
  return {
    id,
    object: "charge",
    amount: pi.amount,
    amount_captured: failure ? 0 : pi.amount,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: failure ? null : newId("txn"),
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: null,
      name: null,
      phone: null,
      tax_id: null,
    },
    calculated_statement_descriptor: "METERLINE SANDBOX",
    captured: !failure,
    created,
    currency: pi.currency,
    customer: pi.customer,
    description: pi.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: failure?.code ?? null,
    failure_message: failure?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: { ...pi.metadata },
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: failure ? "declined_by_network" : "approved_by_network",
      reason: failure?.declineCode ?? null,
      seller_message: failure ? "The bank did not return any further details with this decline." : "Payment complete.",
      type: failure ? "issuer_declined" : "authorized",
    },
    paid: !failure,
    payment_intent: pi.id,
    payment_method: pm.id,
    payment_method_details: paymentMethodDetails(pi, pm, failure),
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    refunds: { object: "list", data: [], has_more: false, url: `/v1/charges/${id}/refunds` },
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: failure ? "failed" : "succeeded",
    transfer_data: null,
    transfer_group: null,
  };
}

/** What the charge records about the instrument: card details, or the SEPA debit's bank. */
function paymentMethodDetails(pi: Stripe.PaymentIntent, pm: Stripe.PaymentMethod, failure: { code: string } | null): Stripe.Charge.PaymentMethodDetails {
  if (pm.type === "sepa_debit" && pm.sepa_debit) {
    const bank = pm.sepa_debit;
    return {
      sepa_debit: { bank_code: bank.bank_code, branch_code: bank.branch_code, country: bank.country, fingerprint: bank.fingerprint, last4: bank.last4, mandate: null },
      type: "sepa_debit",
    };
  }
  const card = pm.card;
  return {
    card: {
      amount_authorized: failure ? null : pi.amount,
      authorization_code: failure ? null : "123456",
      brand: card?.brand ?? "visa",
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
      country: "US",
      electronic_commerce_indicator: null,
      exp_month: card?.exp_month ?? 12,
      exp_year: card?.exp_year ?? 2030,
      extended_authorization: { status: "disabled" },
      fingerprint: card?.fingerprint ?? null,
      funding: "credit",
      incremental_authorization: { status: "unavailable" },
      installments: null,
      last4: card?.last4 ?? "4242",
      mandate: null,
      multicapture: { status: "unavailable" },
      network: card?.brand ?? "visa",
      network_token: { used: false },
      network_transaction_id: failure ? null : newSecret("ntid").slice(5, 20),
      overcapture: { maximum_amount_capturable: pi.amount, status: "unavailable" },
      regulated_status: "unregulated",
      three_d_secure: null,
      transaction_link_id: null,
      wallet: null,
    },
    type: "card",
  };
}

export interface ChargeOutcome {
  paymentIntent: Stripe.PaymentIntent;
  charge: Stripe.Charge;
  declined: ReturnType<typeof declineFor>;
}

/**
 * Confirms a PaymentIntent with its payment method: creates the charge, moves the
 * intent to `succeeded` or back to `requires_payment_method`, and emits the
 * charge and payment_intent events Stripe sends for that outcome.
 */
export function confirmPaymentIntent(emu: Emulator, pi: Stripe.PaymentIntent, pm: Stripe.PaymentMethod): ChargeOutcome {
  const customer = typeof pi.customer === "string" ? pi.customer : (pi.customer?.id ?? null);
  const now = emu.clock.nowFor(customer);
  const behaviour = emu.state.internalCards[pm.id]?.charge ?? "succeeds";
  const declined = declineFor(behaviour);
  const charge = buildCharge(pi, pm, now, declined);
  emu.state.charges[charge.id] = charge;
  pi.payment_method = pm.id;
  pi.latest_charge = charge.id;
  if (declined) {
    pi.status = "requires_payment_method";
    pi.last_payment_error = {
      type: "card_error",
      code: declined.code,
      decline_code: declined.declineCode,
      message: declined.message,
      charge: charge.id,
      doc_url: `https://docs.stripe.com/error-codes/${declined.code.replace(/_/g, "-")}`,
      payment_method: JSON.parse(JSON.stringify(pm)) as Stripe.PaymentMethod,
    };
    emu.emit("charge.failed", charge, customer);
    emu.emit("payment_intent.payment_failed", pi, customer);
  } else {
    pi.status = "succeeded";
    pi.amount_received = pi.amount;
    pi.last_payment_error = null;
    emu.emit("charge.succeeded", charge, customer);
    emu.emit("payment_intent.succeeded", pi, customer);
  }
  return { paymentIntent: pi, charge, declined };
}

export function createPaymentIntent(emu: Emulator, fields: Parameters<typeof buildPaymentIntent>[0]): Stripe.PaymentIntent {
  const pi = buildPaymentIntent(fields);
  emu.state.paymentIntents[pi.id] = pi;
  emu.emit("payment_intent.created", pi, fields.customer);
  return pi;
}
