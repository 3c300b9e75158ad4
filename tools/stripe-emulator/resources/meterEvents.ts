import type Stripe from "stripe";
import { randomUUID } from "node:crypto";
import type { Emulator } from "../core";
import { newId } from "../state/ids";
import type { StoredMeterEvent } from "../state/store";
import { invalidRequest, parameterInvalid, parameterMissing } from "../server/errors";
import type { Params } from "../server/params";
import type { Route } from "../server/router";

const DAY = 86_400;
/** Stripe accepts meter events up to 35 days old and 5 minutes ahead. */
const MAX_PAST_SECONDS = 35 * DAY;
const MAX_FUTURE_SECONDS = 5 * 60;
/** Identifiers are remembered at least 24 h (both real and clock time, see pruneIdentifiers). */
const DEDUPE_SECONDS = DAY;
/**
 * Usage is kept far longer than identifiers: an event may arrive 35 days late and
 * still belong to an open period, and a yearly metered price sums a whole year
 * at its period end. 400 days covers a year plus Stripe's 35-day window.
 */
export const USAGE_RETENTION_SECONDS = 400 * DAY;

function meterForEvent(emu: Emulator, eventName: string): Stripe.Billing.Meter | undefined {
  const meters = Object.values(emu.state.meters).filter((m) => m.event_name === eventName);
  return meters.find((m) => m.status === "active") ?? meters[0];
}

type ErrorCode = "meter_event_customer_not_found" | "meter_event_no_customer_defined" | "no_meter" | "archived_meter";

/**
 * Stripe validates some things only after accepting the event and reports them
 * in a `billing.meter.error_report_triggered` event; we do the same, off the
 * request path.
 */
function reportAsyncError(emu: Emulator, meter: Stripe.Billing.Meter | undefined, code: ErrorCode, message: string, identifier: string): void {
  const now = emu.clock.realNow();
  const report = {
    object: "billing.meter_error_report",
    id: newId("mtrerr"),
    livemode: false,
    meter: meter?.id ?? null,
    developer_message_summary: message,
    reason: {
      error_count: 1,
      error_types: [{ code, error_count: 1, sample_errors: [{ error_message: message, request: { identifier } }] }],
    },
    validation_start: new Date(now * 1000).toISOString(),
    validation_end: new Date(now * 1000).toISOString(),
  };
  emu.track(
    new Promise<void>((resolve) =>
      setImmediate(() => {
        emu.emit("billing.meter.error_report_triggered", report, null);
        resolve();
      }),
    ),
  );
}

/** Forgets identifiers once both real time and the customer's clock are 24 h past them. */
function pruneIdentifiers(emu: Emulator): void {
  const realCutoffMs = Date.now() - DEDUPE_SECONDS * 1000;
  const index = emu.state.internalMeterIdentifiers;
  for (const [identifier, entry] of Object.entries(index)) {
    if (entry.receivedAtMs >= realCutoffMs) continue;
    if (emu.clock.nowFor(entry.customer) - entry.event.created < DEDUPE_SECONDS) continue;
    delete index[identifier];
  }
}

/**
 * Drops usage rows no invoice or summary can still need: the row's timestamp is
 * older than USAGE_RETENTION_SECONDS on the customer's clock and it arrived at
 * least that long ago in real time. Usage is never dropped with its identifier.
 */
function pruneUsage(emu: Emulator): void {
  const realCutoffMs = Date.now() - USAGE_RETENTION_SECONDS * 1000;
  const rows = emu.state.internalMeterEvents;
  const stale = (e: StoredMeterEvent) => e.receivedAtMs < realCutoffMs && emu.clock.nowFor(e.customer) - e.event.timestamp >= USAGE_RETENTION_SECONDS;
  if (rows.some(stale)) emu.state.internalMeterEvents = rows.filter((e) => !stale(e));
}

function createMeterEvent(emu: Emulator, params: Params): Stripe.Billing.MeterEvent {
  const eventName = params.requiredString("event_name");
  const payloadParams = params.object("payload");
  if (!payloadParams) throw parameterMissing("payload");
  const payload: Record<string, string> = {};
  for (const [k, v] of Object.entries(payloadParams.raw)) {
    if (typeof v !== "string") throw parameterInvalid(`payload[${k}]`, "Meter event payload values must be strings.");
    payload[k] = v;
  }
  const meter = meterForEvent(emu, eventName);
  const customerKey = meter?.customer_mapping.event_payload_key ?? "stripe_customer_id";
  const valueKey = meter?.value_settings.event_payload_key ?? "value";
  const customerId = payload[customerKey] ?? "";
  const rawValue = payload[valueKey];
  if (rawValue === undefined) throw parameterMissing(`payload[${valueKey}]`);
  if (!/^-?\d+$/.test(rawValue.trim())) {
    throw parameterInvalid(`payload[${valueKey}]`, `Invalid value for payload[${valueKey}]: meter event values must be whole numbers (got '${rawValue}').`, "integer");
  }
  const now = emu.clock.nowFor(emu.state.customers[customerId] ? customerId : null);
  const timestamp = params.int("timestamp") ?? now;
  if (timestamp < now - MAX_PAST_SECONDS) {
    throw invalidRequest("Timestamp must be within the past 35 days.", { code: "timestamp_too_far_in_past", param: "timestamp" });
  }
  if (timestamp > now + MAX_FUTURE_SECONDS) {
    throw invalidRequest("Timestamp must not be more than 5 minutes in the future.", { code: "timestamp_in_future", param: "timestamp" });
  }

  pruneIdentifiers(emu);
  pruneUsage(emu);
  const identifier = params.string("identifier") ?? randomUUID();
  if (identifier.length > 100) throw parameterInvalid("identifier", "identifier must be at most 100 characters.");
  const duplicate = emu.state.internalMeterIdentifiers[identifier];
  if (duplicate) return duplicate.event;

  const event: Stripe.Billing.MeterEvent = {
    object: "billing.meter_event",
    created: now,
    event_name: eventName,
    identifier,
    livemode: false,
    payload,
    timestamp,
  };
  const stored: StoredMeterEvent = { event, customer: customerId, value: Number(rawValue.trim()), receivedAtMs: Date.now(), counted: true };
  emu.state.internalMeterEvents.push(stored);
  emu.state.internalMeterIdentifiers[identifier] = { event, customer: customerId, receivedAtMs: stored.receivedAtMs };

  if (!meter) {
    stored.counted = false;
    reportAsyncError(emu, undefined, "no_meter", `No active meter was found for event_name '${eventName}'.`, identifier);
  } else if (meter.status !== "active") {
    stored.counted = false;
    reportAsyncError(emu, meter, "archived_meter", `Meter ${meter.id} is inactive.`, identifier);
  } else if (!customerId) {
    stored.counted = false;
    reportAsyncError(emu, meter, "meter_event_no_customer_defined", `The payload is missing the customer key '${customerKey}'.`, identifier);
  } else if (!emu.state.customers[customerId]) {
    stored.counted = false;
    reportAsyncError(emu, meter, "meter_event_customer_not_found", `No customer with id '${customerId}' was found.`, identifier);
  }
  emu.persist();
  return event;
}

export const meterEventRoutes: Route[] = [{ method: "POST", pattern: "/v1/billing/meter_events", handler: ({ emu, params }) => createMeterEvent(emu, params) }];
