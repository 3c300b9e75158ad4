import { createServer, type Server } from "node:http";
import Stripe from "stripe";
import type { AddressInfo } from "node:net";
import type { ChaosPatch, ChaosSettings } from "./chaos";
import { Emulator } from "./core";
import { createListener } from "./app";
import { flushAll, renewNow } from "./control";
import { runRealTimeWork } from "./billing/scheduler";
import { scheduleAsyncPayments } from "./billing/checkoutCompletion";
import type { DeliveryLogEntry, EmulatorState } from "./state/store";
import type { RetryPolicy } from "./webhooks/dispatcher";

export const DEFAULT_WEBHOOK_SECRET = "whsec_meterline_sandbox";
/**
 * Like Stripe's live mode, a failing endpoint is retried for about three days:
 * 1 s doubling up to an hourly ceiling (1 s … 34 min, then hourly; 84 attempts
 * ≈ 72 h). A sandbox app that was down overnight still gets its events, and the
 * queue survives restarts. Tests pass a short schedule.
 */
export const DEFAULT_WEBHOOK_RETRY: RetryPolicy = { baseMs: 1000, maxDelayMs: 3_600_000, maxAttempts: 84 };
/** Any `sk_test_…` key works; this one is what the sandbox hands the app. */
export const EMULATOR_API_KEY = "sk_test_meterline_emulator";

export interface StripeEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Where events are POSTed; null/undefined means only registered webhook endpoints. */
  webhookUrl?: string | null;
  webhookSecret?: string;
  /** JSON file the state is saved to and reloaded from; null/undefined keeps it in memory. */
  stateFile?: string | null;
  /** Base URL for hosted pages when the browser reaches the emulator through another host. */
  publicUrl?: string;
  /** Default DEFAULT_WEBHOOK_RETRY (≈ 3 days); tests pass e.g. `{ baseMs: 10, maxAttempts: 4 }`. */
  webhookRetry?: Partial<RetryPolicy>;
  /** How long the delayed SEPA test payment takes to settle (default 2000 ms). */
  asyncPaymentDelayMs?: number;
  /** Interval for real-time renewals/finalizations (default 1000 ms). */
  tickMs?: number;
}

export interface StripeEmulator {
  url: string;
  port: number;
  webhookSecret: string;
  apiKey: string;
  /** Pass to `new Stripe(apiKey, { ...stripeConfig })`. */
  stripeConfig: { host: string; port: number; protocol: "http" };
  close(): Promise<void>;
  chaos(patch: ChaosPatch): ChaosSettings;
  /** Resolves when no webhook delivery (retries included) or background job is pending. */
  flushWebhooks(timeoutMs?: number): Promise<void>;
  /** Skips the backoff of queued retries. */
  retryWebhooksNow(): void;
  deliveries(): DeliveryLogEntry[];
  setWebhook(url: string | null, secret?: string): void;
  renewSubscription(id: string, options?: { finalize?: boolean }): unknown;
  reset(): void;
  state(): EmulatorState;
}

export async function startStripeEmulator(options: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  const host = options.host ?? "127.0.0.1";
  const webhookSecret = options.webhookSecret ?? DEFAULT_WEBHOOK_SECRET;
  const emu = new Emulator({
    publicUrl: "",
    webhookUrl: options.webhookUrl ?? null,
    webhookSecret,
    stateFile: options.stateFile ?? null,
    retry: { ...DEFAULT_WEBHOOK_RETRY, ...options.webhookRetry },
    asyncPaymentDelayMs: options.asyncPaymentDelayMs ?? 2000,
  });
  const info = () => ({ url: emu.config.publicUrl, webhookUrl: emu.config.webhookUrl, apiVersion: Stripe.API_VERSION, stateFile: emu.config.stateFile });
  const server: Server = createServer(createListener(() => emu, info));
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host === "0.0.0.0" ? "localhost" : host}:${port}`;
  emu.config.publicUrl = (options.publicUrl ?? url).replace(/\/$/, "");

  emu.webhooks.resume();
  scheduleAsyncPayments(emu);
  const tick = setInterval(() => runRealTimeWork(emu), options.tickMs ?? 1000);
  tick.unref();

  return {
    url,
    port,
    webhookSecret,
    apiKey: EMULATOR_API_KEY,
    stripeConfig: { host: host === "0.0.0.0" ? "localhost" : host, port, protocol: "http" },
    async close() {
      clearInterval(tick);
      emu.webhooks.close();
      emu.saveNow();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    chaos: (patch) => emu.setChaos(patch),
    flushWebhooks: (timeoutMs) => flushAll(emu, timeoutMs),
    retryWebhooksNow: () => emu.webhooks.retryNow(),
    deliveries: () => emu.state.deliveryLog,
    setWebhook(webhookUrl, secret) {
      emu.config.webhookUrl = webhookUrl;
      if (secret) emu.config.webhookSecret = secret;
    },
    renewSubscription: (id, opts) => renewNow(emu, id, opts?.finalize !== false),
    reset: () => emu.reset(),
    state: () => emu.state,
  };
}

export type { ChaosPatch, ChaosSettings } from "./chaos";
export type { DeliveryLogEntry } from "./state/store";
