import path from "node:path";
import { embeddedDatabaseUrl } from "@/lib/config/integrations";
import { canConnect, ensureDatabase, startEmbeddedPostgres } from "./embedded-postgres";
import { startMockLlm } from "./mock-llm";
import { DEFAULT_WEBHOOK_SECRET, startStripeEmulator } from "./stripe-emulator";

/**
 * Starts the local stand-in for every outside service whose keys are missing and returns the
 * environment that points the app at them. Used by `npm run dev`, `npm start` and the e2e runner.
 */
export type SandboxServices = { env: Record<string, string>; summary: string[]; stop: () => Promise<void> };

export async function startSandboxServices(options: { dataDir: string; appUrl: string }): Promise<SandboxServices> {
  const env: Record<string, string> = {};
  const summary: string[] = [];
  const stops: (() => Promise<void>)[] = [];

  if (!process.env.DATABASE_URL) {
    const port = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
    const url = embeddedDatabaseUrl(port);
    if (!(await canConnect(url.replace(/\/meterline$/, "/postgres")))) {
      const pg = await startEmbeddedPostgres({ dataDir: path.join(options.dataDir, "pg"), port });
      stops.push(() => pg.stop());
      summary.push(`Postgres: embedded, port ${port}, data in ${path.join(options.dataDir, "pg")}`);
    } else {
      summary.push(`Postgres: reusing the server already on port ${port}`);
    }
    await ensureDatabase(url.replace(/\/meterline$/, "/postgres"), "meterline");
    env.DATABASE_URL = url;
  } else {
    summary.push("Postgres: DATABASE_URL");
  }

  if (!process.env.LLM_BASE_URL) {
    // A free port unless pinned: several sandboxes (dev, e2e) may run side by side.
    const mock = await startMockLlm({ port: Number(process.env.MOCK_LLM_PORT ?? 0) });
    stops.push(() => mock.close());
    env.LLM_BASE_URL = mock.url;
    env.LLM_API_KEY = "mock-llm";
    summary.push(`LLM: mock LLM at ${mock.url}`);
  } else {
    summary.push(`LLM: ${process.env.LLM_BASE_URL}`);
  }

  if (!process.env.STRIPE_SECRET_KEY) {
    // Port 12111 by default so hosted-checkout links in the persisted state stay valid across
    // restarts; STRIPE_EMULATOR_PORT=0 picks a free one (the e2e run does).
    const stripe = await startStripeEmulator({
      port: Number(process.env.STRIPE_EMULATOR_PORT ?? 12111),
      webhookUrl: `${options.appUrl}/api/webhooks/stripe`,
      // `||`, not `??`: an empty STRIPE_WEBHOOK_SECRET= line counts as unset, exactly as the app's
      // env parsing treats it, so both sides fall back to the same sandbox secret.
      webhookSecret: process.env.STRIPE_WEBHOOK_SECRET?.trim() || DEFAULT_WEBHOOK_SECRET,
      stateFile: path.join(options.dataDir, "stripe-emulator.json"),
    });
    stops.push(() => stripe.close());
    env.STRIPE_SECRET_KEY = stripe.apiKey;
    env.STRIPE_EMULATOR_URL = stripe.url;
    env.STRIPE_WEBHOOK_SECRET = stripe.webhookSecret;
    summary.push(`Stripe: emulator at ${stripe.url} (checkout pages, webhooks → ${options.appUrl}/api/webhooks/stripe)`);
  } else {
    summary.push("Stripe: STRIPE_SECRET_KEY");
  }

  return {
    env,
    summary,
    stop: async () => {
      for (const stop of stops.reverse()) await stop().catch(() => {});
    },
  };
}

