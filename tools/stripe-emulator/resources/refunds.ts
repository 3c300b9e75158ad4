import type Stripe from "stripe";
import type { Emulator } from "../core";
import { newId } from "../state/ids";
import { invalidRequest, parameterMissing } from "../server/errors";
import { paginate } from "../server/list";
import { applyMetadata } from "../server/params";
import type { Route } from "../server/router";
import { checkMetadata, getOr404 } from "./common";

/** Refunds part or all of a succeeded charge and emits `charge.refunded` + `refund.created`. */
export function refundCharge(emu: Emulator, charge: Stripe.Charge, amount: number | undefined, reason: Stripe.Refund.Reason | null, metadata: Record<string, string>): Stripe.Refund {
  if (charge.status !== "succeeded") throw invalidRequest(`Charge ${charge.id} has not succeeded, so it cannot be refunded.`, { code: "charge_not_refundable" as string });
  const remaining = charge.amount - charge.amount_refunded;
  if (remaining <= 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: "charge_already_refunded" });
  const value = amount ?? remaining;
  if (value <= 0) throw invalidRequest("Refund amount must be positive.", { code: "parameter_invalid_integer", param: "amount" });
  if (value > remaining) {
    throw invalidRequest(`Refund amount (${value}) is greater than unrefunded amount on charge (${remaining})`, { code: "amount_too_large", param: "amount" });
  }
  const customer = typeof charge.customer === "string" ? charge.customer : null;
  const refund: Stripe.Refund = {
    id: newId("re"),
    object: "refund",
    amount: value,
    balance_transaction: newId("txn"),
    charge: charge.id,
    created: emu.clock.nowFor(customer),
    currency: charge.currency,
    customer,
    customer_account: null,
    destination_details: { card: { type: "refund" }, type: "card" },
    metadata,
    payment_intent: charge.payment_intent,
    payment_method: charge.payment_method,
    reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: "succeeded",
    transfer_reversal: null,
  };
  emu.state.refunds[refund.id] = refund;
  charge.amount_refunded += value;
  charge.refunded = charge.amount_refunded >= charge.amount;
  if (charge.refunds) {
    charge.refunds.data.unshift(refund);
  }
  emu.emit("refund.created", refund, customer);
  emu.emit("charge.refunded", charge, customer);
  return refund;
}

export const refundRoutes: Route[] = [
  {
    method: "POST",
    pattern: "/v1/refunds",
    handler: ({ emu, params }) => {
      const piId = params.string("payment_intent");
      const chargeId = params.string("charge");
      if (!piId && !chargeId) throw parameterMissing("payment_intent");
      let charge: Stripe.Charge;
      if (piId) {
        const pi = getOr404(emu.state.paymentIntents, piId, "payment_intent", "payment_intent");
        if (pi.status !== "succeeded" || typeof pi.latest_charge !== "string") {
          throw invalidRequest(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, { code: "charge_not_refundable" as string, param: "payment_intent" });
        }
        charge = getOr404(emu.state.charges, pi.latest_charge, "charge", "charge");
      } else {
        charge = getOr404(emu.state.charges, chargeId ?? "", "charge", "charge");
      }
      const reason = params.oneOf("reason", ["duplicate", "fraudulent", "requested_by_customer"] as const) ?? null;
      return refundCharge(emu, charge, params.int("amount"), reason, checkMetadata(applyMetadata({}, params.metadataPatch())));
    },
  },
  { method: "GET", pattern: "/v1/refunds/:id", handler: ({ emu, path }) => getOr404(emu.state.refunds, path.id ?? "", "refund") },
  {
    method: "GET",
    pattern: "/v1/refunds",
    handler: ({ emu, params }) => {
      const pi = params.string("payment_intent");
      const charge = params.string("charge");
      const items = Object.values(emu.state.refunds).filter((r) => (pi === undefined || r.payment_intent === pi) && (charge === undefined || r.charge === charge));
      return paginate(items, params, "/v1/refunds");
    },
  },
];
