import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const minute = (t: number) => t - (t % 60);
const DAY = 86_400;

/**
 * Moves a customer's time to `to`: advances their test clock and backdates the real
 * arrival of their meter events by the same amount, since dedupe needs both to pass.
 */
async function moveTime(clockId: string, to: number, customerId: string): Promise<void> {
  const clock = await h.stripe.testHelpers.testClocks.retrieve(clockId);
  const shiftMs = (to - clock.frozen_time) * 1000;
  await h.stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
  const state = h.emulator.state();
  for (const e of state.internalMeterEvents) if (e.customer === customerId) e.receivedAtMs -= shiftMs;
  for (const e of Object.values(state.internalMeterIdentifiers)) if (e.customer === customerId) e.receivedAtMs -= shiftMs;
}

describe("billing meters", () => {
  it("creates, lists and renames meters", async () => {
    const meter = await h.stripe.billing.meters.create({ display_name: "Requests", event_name: "api_requests", default_aggregation: { formula: "sum" } });
    expect(meter.id).toMatch(/^mtr_/);
    expect(meter.customer_mapping).toEqual({ event_payload_key: "stripe_customer_id", type: "by_id" });
    expect(meter.value_settings).toEqual({ event_payload_key: "value" });
    const renamed = await h.stripe.billing.meters.update(meter.id, { display_name: "API requests" });
    expect(renamed.display_name).toBe("API requests");
    const list = await h.stripe.billing.meters.list({ status: "active" });
    expect(list.data.map((m) => m.id)).toContain(meter.id);
    await expect(h.stripe.billing.meters.create({ display_name: "Dup", event_name: "api_requests", default_aggregation: { formula: "sum" } })).rejects.toMatchObject({ param: "event_name" });
  });

  it("records meter events, dedupes identifiers and sums them in summaries", async () => {
    const meter = await h.stripe.billing.meters.create({ display_name: "Tokens", event_name: "tokens_used", default_aggregation: { formula: "sum" } });
    const customer = await h.stripe.customers.create({ email: "usage@example.com" });
    const now = Math.floor(Date.now() / 1000);
    const first = await h.stripe.billing.meterEvents.create({ event_name: "tokens_used", payload: { stripe_customer_id: customer.id, value: "120" }, identifier: "req-1", timestamp: now - 60 });
    expect(first).toMatchObject({ object: "billing.meter_event", identifier: "req-1", event_name: "tokens_used", payload: { value: "120" } });
    const resent = await h.stripe.billing.meterEvents.create({ event_name: "tokens_used", payload: { stripe_customer_id: customer.id, value: "120" }, identifier: "req-1", timestamp: now - 60 });
    expect(resent).toEqual(first);
    await h.stripe.billing.meterEvents.create({ event_name: "tokens_used", payload: { stripe_customer_id: customer.id, value: "30" }, identifier: "req-2", timestamp: now - 30 });
    const generated = await h.stripe.billing.meterEvents.create({ event_name: "tokens_used", payload: { stripe_customer_id: customer.id, value: "0" } });
    expect(generated.identifier).toMatch(/[0-9a-f-]{36}/);

    const start = minute(now) - 3600;
    const end = minute(now) + 120;
    const summaries = await h.stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: start, end_time: end });
    expect(summaries.data).toHaveLength(1);
    expect(summaries.data[0]).toMatchObject({ object: "billing.meter_event_summary", aggregated_value: 150, meter: meter.id, start_time: start, end_time: end });

    const hourStart = now - (now % 3600) - 3600;
    await h.stripe.billing.meterEvents.create({ event_name: "tokens_used", payload: { stripe_customer_id: customer.id, value: "7" }, identifier: "req-old", timestamp: hourStart - 3600 + 5 });
    const hourly = await h.stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: hourStart - 3600, end_time: hourStart + 3 * 3600, value_grouping_window: "hour" });
    // Sparse and newest first: the current hour(s) with 150, then the hour with 7; empty hours are left out.
    expect(hourly.data.reduce((s, x) => s + x.aggregated_value, 0)).toBe(157);
    expect(hourly.data.at(-1)).toMatchObject({ start_time: hourStart - 3600, end_time: hourStart, aggregated_value: 7 });
    const starts = hourly.data.map((x) => x.start_time);
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    expect(hourly.data.length).toBeLessThan(4);
  });

  it("dedupes an identifier for 24 h of clock and real time: resend at +23h59m counted once, at +24h01m counted again", async () => {
    await h.stripe.billing.meters.create({ display_name: "Images", event_name: "images", default_aggregation: { formula: "sum" } });
    const t0 = minute(Math.floor(Date.now() / 1000)) - 40 * DAY;
    const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: t0 });
    const customer = await h.stripe.customers.create({ test_clock: clock.id });
    const send = (identifier?: string) =>
      h.stripe.billing.meterEvents.create({ event_name: "images", payload: { stripe_customer_id: customer.id, value: "1" }, ...(identifier ? { identifier } : {}) });
    const first = await send("img-a");

    await moveTime(clock.id, t0 + DAY - 60, customer.id);
    for (let i = 0; i < 5; i++) await send();
    expect(await send("img-a")).toEqual(first);
    expect(h.emulator.state().internalMeterEvents.filter((e) => e.customer === customer.id)).toHaveLength(6);

    await moveTime(clock.id, t0 + DAY + 60, customer.id);
    const again = await send("img-a");
    expect(again.created).toBe(t0 + DAY + 60);
    expect(h.emulator.state().internalMeterEvents.filter((e) => e.customer === customer.id)).toHaveLength(7);
  });

  it("keeps usage after its identifier expires: 5 at day 0 + 3 at day 34 → summary 8", async () => {
    const meter = await h.stripe.billing.meters.create({ display_name: "Kept", event_name: "kept_units", default_aggregation: { formula: "sum" } });
    const t0 = minute(Math.floor(Date.now() / 1000)) - 60 * DAY;
    const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: t0 });
    const customer = await h.stripe.customers.create({ test_clock: clock.id });
    await h.stripe.billing.meterEvents.create({ event_name: "kept_units", payload: { stripe_customer_id: customer.id, value: "5" }, identifier: "kept-1", timestamp: t0 - 60 });

    await moveTime(clock.id, t0 + 34 * DAY, customer.id);
    // This event runs the pruning that used to delete the day-0 usage along with its identifier.
    await h.stripe.billing.meterEvents.create({ event_name: "kept_units", payload: { stripe_customer_id: customer.id, value: "3" }, identifier: "kept-2" });
    expect(h.emulator.state().internalMeterIdentifiers["kept-1"]).toBeUndefined();
    const summary = await h.stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: t0 - 3600, end_time: t0 + 35 * DAY });
    expect(summary.data[0]?.aggregated_value).toBe(8);
  });

  it("rejects values that are not whole numbers and timestamps outside Stripe's window", async () => {
    await h.stripe.billing.meters.create({ display_name: "Seconds", event_name: "gpu_seconds", default_aggregation: { formula: "sum" } });
    const customer = await h.stripe.customers.create({});
    await expect(h.stripe.billing.meterEvents.create({ event_name: "gpu_seconds", payload: { stripe_customer_id: customer.id, value: "1.5" } })).rejects.toMatchObject({
      statusCode: 400,
      code: "parameter_invalid_integer",
      param: "payload[value]",
    });
    await expect(h.stripe.billing.meterEvents.create({ event_name: "gpu_seconds", payload: { stripe_customer_id: customer.id, value: "abc" } })).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    const now = Math.floor(Date.now() / 1000);
    await expect(h.stripe.billing.meterEvents.create({ event_name: "gpu_seconds", payload: { stripe_customer_id: customer.id, value: "1" }, timestamp: now - 36 * 86_400 })).rejects.toMatchObject({
      code: "timestamp_too_far_in_past",
      param: "timestamp",
    });
    await expect(h.stripe.billing.meterEvents.create({ event_name: "gpu_seconds", payload: { stripe_customer_id: customer.id, value: "1" }, timestamp: now + 600 })).rejects.toMatchObject({
      code: "timestamp_in_future",
    });
    const ok = await h.stripe.billing.meterEvents.create({ event_name: "gpu_seconds", payload: { stripe_customer_id: customer.id, value: "1" }, timestamp: now - 34 * 86_400 });
    expect(ok.timestamp).toBe(now - 34 * 86_400);
  });

  it("measures the timestamp window against the customer's test clock", async () => {
    await h.stripe.billing.meters.create({ display_name: "Clocked", event_name: "clocked_units", default_aggregation: { formula: "sum" } });
    const frozen = Math.floor(Date.now() / 1000) - 90 * 86_400;
    const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: frozen });
    const customer = await h.stripe.customers.create({ test_clock: clock.id });
    const ok = await h.stripe.billing.meterEvents.create({ event_name: "clocked_units", payload: { stripe_customer_id: customer.id, value: "3" }, timestamp: frozen - 60 });
    expect(ok.timestamp).toBe(frozen - 60);
    await expect(h.stripe.billing.meterEvents.create({ event_name: "clocked_units", payload: { stripe_customer_id: customer.id, value: "3" }, timestamp: frozen + 3600 })).rejects.toMatchObject({
      code: "timestamp_in_future",
    });
  });

  it("reports an unknown customer asynchronously with billing.meter.error_report_triggered", async () => {
    const meter = await h.stripe.billing.meters.create({ display_name: "Orphans", event_name: "orphan_units", default_aggregation: { formula: "sum" } });
    const accepted = await h.stripe.billing.meterEvents.create({ event_name: "orphan_units", payload: { stripe_customer_id: "cus_ghost", value: "5" }, identifier: "orphan-1" });
    expect(accepted.identifier).toBe("orphan-1");
    const reports = await h.received("billing.meter.error_report_triggered");
    const report = reports.find((e) => (e.data.object as unknown as { meter: string }).meter === meter.id);
    expect(report).toBeDefined();
    const object = report?.data.object as unknown as { reason: { error_types: Array<{ code: string; sample_errors: Array<{ request: { identifier: string } }> }> } };
    expect(object.reason.error_types[0]?.code).toBe("meter_event_customer_not_found");
    expect(object.reason.error_types[0]?.sample_errors[0]?.request.identifier).toBe("orphan-1");
  });

  it("validates summary windows like Stripe", async () => {
    const meter = await h.stripe.billing.meters.create({ display_name: "Windows", event_name: "window_units", default_aggregation: { formula: "sum" } });
    const customer = await h.stripe.customers.create({});
    await expect(h.stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: 1_700_000_001, end_time: 1_700_003_600 })).rejects.toMatchObject({ param: "start_time" });
    await expect(h.stripe.billing.meters.listEventSummaries(meter.id, { customer: "cus_missing", start_time: 1_700_000_040, end_time: 1_700_003_640 })).rejects.toMatchObject({ code: "resource_missing" });
  });
});
