import { unknownParameter } from "./errors";
import type { FormObject } from "./form";

/**
 * Top-level parameters each endpoint accepts. Stripe answers an unknown
 * parameter with 400 `parameter_unknown`; silently ignoring it here would let
 * app code pass tests and then fail (or behave differently) against real
 * Stripe. Parameters listed under IGNORED are real Stripe parameters the
 * emulator accepts but does not act on (tax, locale, cosmetic page options).
 * Routes missing from the table accept only `expand`.
 */
const PAGE = ["limit", "starting_after", "ending_before"];

const ACCEPTED: Record<string, string[]> = {
  "POST /v1/customers": ["email", "name", "description", "phone", "metadata", "payment_method", "invoice_settings", "test_clock"],
  "POST /v1/customers/:id": ["email", "name", "description", "phone", "metadata", "invoice_settings"],
  "GET /v1/customers": [...PAGE, "email", "created", "test_clock"],
  "GET /v1/customers/search": ["query", "limit", "page"],
  "POST /v1/customers/:id/balance_transactions": ["amount", "currency", "description", "metadata"],
  "GET /v1/customers/:id/balance_transactions": [...PAGE],
  "GET /v1/customers/:id/payment_methods": [...PAGE, "type"],
  "POST /v1/products": ["id", "name", "description", "active", "metadata", "unit_label", "url", "statement_descriptor", "images", "marketing_features"],
  "POST /v1/products/:id": ["name", "description", "active", "metadata", "unit_label", "url", "statement_descriptor", "images", "marketing_features", "default_price"],
  "GET /v1/products": [...PAGE, "active", "ids", "created"],
  "GET /v1/products/search": ["query", "limit", "page"],
  "POST /v1/prices": ["currency", "unit_amount", "unit_amount_decimal", "product", "product_data", "recurring", "lookup_key", "transfer_lookup_key", "nickname", "metadata", "active", "tax_behavior", "billing_scheme"],
  "POST /v1/prices/:id": ["active", "nickname", "lookup_key", "transfer_lookup_key", "metadata"],
  "GET /v1/prices": [...PAGE, "active", "product", "type", "currency", "lookup_keys", "recurring", "created"],
  "GET /v1/prices/search": ["query", "limit", "page"],
  "POST /v1/billing/meters": ["display_name", "event_name", "default_aggregation", "customer_mapping", "value_settings", "event_time_window"],
  "POST /v1/billing/meters/:id": ["display_name"],
  "GET /v1/billing/meters": [...PAGE, "status"],
  "GET /v1/billing/meters/:id/event_summaries": [...PAGE, "customer", "start_time", "end_time", "value_grouping_window"],
  "POST /v1/billing/meter_events": ["event_name", "payload", "identifier", "timestamp"],
  "POST /v1/checkout/sessions": [
    "mode",
    "line_items",
    "success_url",
    "cancel_url",
    "customer",
    "customer_email",
    "client_reference_id",
    "metadata",
    "payment_intent_data",
    "subscription_data",
    "customer_creation",
    "expires_at",
    "payment_method_types",
    "ui_mode",
  ],
  "GET /v1/checkout/sessions": [...PAGE, "customer", "payment_intent", "subscription", "status", "created"],
  "GET /v1/checkout/sessions/:id/line_items": [...PAGE],
  "POST /v1/payment_intents": ["amount", "currency", "customer", "payment_method", "off_session", "confirm", "metadata", "description", "setup_future_usage", "payment_method_types"],
  "POST /v1/payment_intents/:id/confirm": ["payment_method", "off_session"],
  "POST /v1/payment_intents/:id/cancel": ["cancellation_reason"],
  "GET /v1/payment_intents": [...PAGE, "customer", "created"],
  "GET /v1/charges": [...PAGE, "customer", "payment_intent", "created"],
  "POST /v1/payment_methods": ["type", "card", "metadata"],
  "GET /v1/payment_methods": [...PAGE, "customer", "type"],
  "POST /v1/payment_methods/:id/attach": ["customer"],
  "POST /v1/subscriptions": ["customer", "items", "default_payment_method", "metadata"],
  "POST /v1/subscriptions/:id": ["items", "cancel_at_period_end", "cancel_at", "cancellation_details", "default_payment_method", "metadata", "proration_behavior"],
  "DELETE /v1/subscriptions/:id": ["invoice_now", "prorate", "cancellation_details"],
  "GET /v1/subscriptions": [...PAGE, "customer", "price", "status", "test_clock", "created"],
  "GET /v1/subscription_items": [...PAGE, "subscription"],
  "GET /v1/invoices": [...PAGE, "customer", "subscription", "status", "created"],
  "GET /v1/invoices/:id/lines": [...PAGE],
  "POST /v1/invoices/:id": ["metadata", "description", "auto_advance"],
  "POST /v1/invoices/:id/finalize": ["auto_advance"],
  "POST /v1/invoices/:id/pay": ["payment_method", "paid_out_of_band", "off_session"],
  "GET /v1/invoice_payments": [...PAGE, "invoice", "payment"],
  "POST /v1/refunds": ["payment_intent", "charge", "amount", "reason", "metadata"],
  "GET /v1/refunds": [...PAGE, "payment_intent", "charge"],
  "POST /v1/credit_notes": ["invoice", "amount", "lines", "reason", "memo", "metadata", "credit_amount", "refund_amount", "out_of_band_amount"],
  "GET /v1/credit_notes": [...PAGE, "invoice", "customer"],
  "POST /v1/billing_portal/sessions": ["customer", "return_url", "configuration"],
  "GET /v1/events": [...PAGE, "type", "types", "created"],
  "POST /v1/test_helpers/test_clocks": ["frozen_time", "name"],
  "GET /v1/test_helpers/test_clocks": [...PAGE],
  "POST /v1/test_helpers/test_clocks/:id/advance": ["frozen_time"],
  "POST /v1/webhook_endpoints": ["url", "enabled_events", "description", "metadata", "api_version"],
  "POST /v1/webhook_endpoints/:id": ["url", "enabled_events", "disabled", "description", "metadata"],
  "GET /v1/webhook_endpoints": [...PAGE],
};

const IGNORED: Record<string, string[]> = {
  "POST /v1/customers": ["address", "shipping", "preferred_locales", "tax_exempt"],
  "POST /v1/customers/:id": ["address", "shipping", "preferred_locales", "tax_exempt"],
  "POST /v1/checkout/sessions": ["allow_promotion_codes", "billing_address_collection", "locale", "submit_type", "automatic_tax", "consent_collection", "custom_text", "tax_id_collection", "saved_payment_method_options", "phone_number_collection"],
  "POST /v1/payment_intents": ["receipt_email", "statement_descriptor", "statement_descriptor_suffix", "automatic_payment_methods", "error_on_requires_action", "return_url"],
  "POST /v1/billing_portal/sessions": ["locale"],
};

export function checkAcceptedParams(method: string, pattern: string, params: FormObject): void {
  const key = `${method} ${pattern}`;
  const accepted = new Set(["expand", ...(ACCEPTED[key] ?? []), ...(IGNORED[key] ?? [])]);
  for (const name of Object.keys(params)) {
    if (accepted.has(name)) continue;
    throw unknownParameter(name);
  }
}
