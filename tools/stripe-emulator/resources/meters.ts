import type Stripe from "stripe";
import { createHash } from "node:crypto";
import { aggregateUsage } from "../billing/usage";
import { newId } from "../state/ids";
import type { EmulatorState } from "../state/store";
import { invalidRequest, parameterInvalid, parameterMissing } from "../server/errors";
import { paginate } from "../server/list";
import type { Route } from "../server/router";
import { getOr404 } from "./common";

const DAY = 86_400;

export function buildMeter(fields: {
  displayName: string;
  eventName: string;
  formula: Stripe.Billing.Meter.DefaultAggregation.Formula;
  customerKey: string;
  valueKey: string;
  eventTimeWindow: Stripe.Billing.Meter.EventTimeWindow | null;
  created: number;
}): Stripe.Billing.Meter {
  return {
    id: newId("mtr"),
    object: "billing.meter",
    created: fields.created,
    customer_mapping: { event_payload_key: fields.customerKey, type: "by_id" },
    default_aggregation: { formula: fields.formula },
    display_name: fields.displayName,
    event_name: fields.eventName,
    event_time_window: fields.eventTimeWindow,
    livemode: false,
    status: "active",
    status_transitions: { deactivated_at: null },
    updated: fields.created,
    value_settings: { event_payload_key: fields.valueKey },
  };
}

function hasEvents(state: EmulatorState, meter: Stripe.Billing.Meter, customer: string, start: number, end: number): boolean {
  return state.internalMeterEvents.some((e) => e.counted && e.customer === customer && e.event.event_name === meter.event_name && e.event.timestamp >= start && e.event.timestamp < end);
}

function summaryId(meter: string, customer: string, start: number, end: number): string {
  return `mtrusg_test_${createHash("sha256").update(`${meter}:${customer}:${start}:${end}`).digest("hex").slice(0, 24)}`;
}

export const meterRoutes: Route[] = [
  {
    method: "POST",
    pattern: "/v1/billing/meters",
    handler: ({ emu, params }) => {
      const displayName = params.requiredString("display_name");
      const eventName = params.requiredString("event_name");
      const aggregation = params.object("default_aggregation");
      if (!aggregation) throw parameterMissing("default_aggregation");
      const formula = aggregation.oneOf("formula", ["sum", "count", "last"] as const);
      if (!formula) throw parameterMissing("default_aggregation[formula]");
      if (Object.values(emu.state.meters).some((m) => m.event_name === eventName && m.status === "active")) {
        throw invalidRequest(`An active meter with event_name '${eventName}' already exists.`, { param: "event_name" });
      }
      const meter = buildMeter({
        displayName,
        eventName,
        formula,
        customerKey: params.object("customer_mapping")?.string("event_payload_key") ?? "stripe_customer_id",
        valueKey: params.object("value_settings")?.string("event_payload_key") ?? "value",
        eventTimeWindow: params.oneOf("event_time_window", ["day", "hour"] as const) ?? null,
        created: emu.clock.realNow(),
      });
      emu.state.meters[meter.id] = meter;
      emu.emit("billing.meter.created", meter, null);
      return meter;
    },
  },
  {
    method: "GET",
    pattern: "/v1/billing/meters",
    handler: ({ emu, params }) => {
      const status = params.string("status");
      return paginate(Object.values(emu.state.meters).filter((m) => status === undefined || m.status === status), params, "/v1/billing/meters");
    },
  },
  { method: "GET", pattern: "/v1/billing/meters/:id", handler: ({ emu, path }) => getOr404(emu.state.meters, path.id ?? "", "billing.meter") },
  {
    method: "POST",
    pattern: "/v1/billing/meters/:id",
    handler: ({ emu, params, path }) => {
      const meter = getOr404(emu.state.meters, path.id ?? "", "billing.meter");
      return emu.update(meter, "billing.meter.updated", null, (m) => {
        if (params.has("display_name")) m.display_name = params.requiredString("display_name");
        m.updated = emu.clock.realNow();
      });
    },
  },
  {
    method: "POST",
    pattern: "/v1/billing/meters/:id/deactivate",
    handler: ({ emu, path }) => {
      const meter = getOr404(emu.state.meters, path.id ?? "", "billing.meter");
      meter.status = "inactive";
      meter.status_transitions.deactivated_at = emu.clock.realNow();
      meter.updated = emu.clock.realNow();
      emu.emit("billing.meter.deactivated", meter, null);
      return meter;
    },
  },
  {
    method: "POST",
    pattern: "/v1/billing/meters/:id/reactivate",
    handler: ({ emu, path }) => {
      const meter = getOr404(emu.state.meters, path.id ?? "", "billing.meter");
      meter.status = "active";
      meter.status_transitions.deactivated_at = null;
      meter.updated = emu.clock.realNow();
      emu.emit("billing.meter.reactivated", meter, null);
      return meter;
    },
  },
  {
    method: "GET",
    pattern: "/v1/billing/meters/:id/event_summaries",
    handler: ({ emu, params, path }) => {
      const meter = getOr404(emu.state.meters, path.id ?? "", "billing.meter");
      const customer = params.requiredString("customer");
      getOr404(emu.state.customers, customer, "customer", "customer");
      const start = params.requiredInt("start_time");
      const end = params.requiredInt("end_time");
      const window = params.oneOf("value_grouping_window", ["day", "hour"] as const);
      if (start % 60 !== 0) throw parameterInvalid("start_time", "start_time must be aligned with minute boundaries.");
      if (end % 60 !== 0) throw parameterInvalid("end_time", "end_time must be aligned with minute boundaries.");
      if (end <= start) throw parameterInvalid("end_time", "end_time must be after start_time.");
      const step = window === "day" ? DAY : window === "hour" ? 3600 : end - start;
      if (window && start % step !== 0) throw parameterInvalid("start_time", `start_time must be aligned with ${window} boundaries when value_grouping_window is ${window}.`);
      // Newest window first, as Stripe lists them; with a grouping window, only
      // windows that received events are returned (Stripe's summaries are sparse).
      const summaries: Stripe.Billing.MeterEventSummary[] = [];
      for (let s = start; s < end; s += step) {
        const e = Math.min(s + step, end);
        if (window && !hasEvents(emu.state, meter, customer, s, e)) continue;
        summaries.unshift({
          id: summaryId(meter.id, customer, s, e),
          object: "billing.meter_event_summary",
          aggregated_value: aggregateUsage(emu.state, meter, customer, s, e),
          end_time: e,
          livemode: false,
          meter: meter.id,
          start_time: s,
        });
      }
      return paginate(summaries, params, `/v1/billing/meters/${meter.id}/event_summaries`, true);
    },
  },
];
