import type { IncomingMessage, ServerResponse } from "node:http";
import type { ChaosPatch } from "./chaos";
import type { Emulator } from "./core";
import { runDueWork } from "./billing/scheduler";
import { currentPeriod } from "./billing/subscriptions";

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value, null, 2);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

function parseJson(body: string): Record<string, unknown> {
  if (!body.trim()) return {};
  const value: unknown = JSON.parse(body);
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Waits until background work and webhook deliveries (retries included) are done. */
export async function flushAll(emu: Emulator, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await emu.settleBackgroundWork();
    await Promise.race([emu.webhooks.whenIdle(), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
    if (Date.now() >= deadline) throw new Error("Timed out waiting for webhook deliveries to finish");
    await new Promise((r) => setImmediate(r));
    if (emu.webhooks.isIdle()) {
      await emu.settleBackgroundWork();
      if (emu.webhooks.isIdle()) return;
    }
  }
}

/**
 * Ends a real-time subscription's current period now (emulator-only): the
 * renewal invoice is created, and with `finalize` (default) finalized and
 * charged at once instead of an hour later. Test-clock customers should use
 * `testHelpers.testClocks.advance` instead.
 */
export function renewNow(emu: Emulator, subscriptionId: string, finalize: boolean): unknown {
  const sub = emu.state.subscriptions[subscriptionId];
  if (!sub) return null;
  const now = emu.clock.nowFor(sub.customer as string);
  if (emu.clock.testClockOf(sub.customer as string)) throw new Error("This subscription's customer is on a test clock; advance the clock instead.");
  const { start } = currentPeriod(sub);
  // The period ends just after this second, so usage recorded this very second still counts (meter
  // events are billed for start ≤ timestamp < end; ending at `now` dropped a report made in the same
  // second as the renewal — a CI flake: 2,000 billed instead of 2,100).
  const end = Math.max(now, start) + 1;
  for (const item of sub.items.data) item.current_period_end = end;
  runDueWork(emu, null, end);
  const invoiceId = typeof sub.latest_invoice === "string" ? sub.latest_invoice : null;
  const invoice = invoiceId ? emu.state.invoices[invoiceId] : undefined;
  if (finalize && invoice && invoice.status === "draft") {
    invoice.automatically_finalizes_at = now;
    runDueWork(emu, null, Math.max(now, end));
  }
  emu.persist();
  return { subscription: sub, invoice: invoice ?? null };
}

/** `/_emulator/*`: test and sandbox controls that real Stripe does not have. */
export function createControlHandler(getEmu: () => Emulator, info: () => Record<string, unknown>) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<boolean> => {
    if (!url.pathname.startsWith("/_emulator")) return false;
    const emu = getEmu();
    const method = req.method ?? "GET";
    const route = `${method} ${url.pathname.replace(/\/+$/, "")}`;
    try {
      if (route === "GET /_emulator" || route === "GET /_emulator/health") {
        sendJson(res, 200, { ok: true, ...info() });
      } else if (route === "GET /_emulator/chaos") {
        sendJson(res, 200, emu.chaos);
      } else if (route === "POST /_emulator/chaos") {
        sendJson(res, 200, emu.setChaos(parseJson(body) as ChaosPatch));
      } else if (route === "DELETE /_emulator/chaos") {
        sendJson(res, 200, emu.setChaos({ duplicate: false, shuffle: false, delayMs: 0, outage: null }));
      } else if (route === "POST /_emulator/webhooks/flush") {
        const timeoutMs = Number(url.searchParams.get("timeoutMs") ?? 30_000);
        await flushAll(emu, timeoutMs);
        sendJson(res, 200, { ok: true, deliveries: emu.state.deliveryLog.length, queued: emu.state.webhookQueue.length });
      } else if (route === "POST /_emulator/webhooks/retry") {
        emu.webhooks.retryNow();
        sendJson(res, 200, { ok: true, queued: emu.state.webhookQueue.length });
      } else if (route === "GET /_emulator/deliveries") {
        const eventId = url.searchParams.get("event");
        const type = url.searchParams.get("type");
        sendJson(res, 200, { data: emu.state.deliveryLog.filter((d) => (!eventId || d.eventId === eventId) && (!type || d.eventType === type)) });
      } else if (route === "POST /_emulator/reset") {
        emu.reset();
        sendJson(res, 200, { ok: true });
      } else if (route === "GET /_emulator/state") {
        sendJson(res, 200, emu.state);
      } else if (method === "POST" && /^\/_emulator\/subscriptions\/[^/]+\/renew$/.test(url.pathname)) {
        const id = url.pathname.split("/")[3] ?? "";
        const result = renewNow(emu, id, parseJson(body).finalize !== false);
        if (result === null) sendJson(res, 404, { error: { type: "invalid_request_error", code: "resource_missing", message: `No such subscription: '${id}'` } });
        else sendJson(res, 200, result);
      } else {
        sendJson(res, 404, { error: { message: `Unknown emulator control endpoint: ${route}` } });
      }
    } catch (err) {
      sendJson(res, 400, { error: { message: err instanceof Error ? err.message : String(err) } });
    }
    return true;
  };
}
