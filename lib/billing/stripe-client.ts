import Stripe from "stripe";
import { getEnv } from "@/lib/config/env";
import { getIntegrations } from "@/lib/config/integrations";
import { AppError } from "@/lib/errors";

/** Any `sk_test_…` key is accepted by the emulator; this is what the app uses when none is set. */
export const EMULATOR_API_KEY = "sk_test_meterline_emulator";
/** The emulator's signing secret when STRIPE_WEBHOOK_SECRET is unset (sandbox only). */
export const EMULATOR_WEBHOOK_SECRET = "whsec_meterline_sandbox";

export type StripeTarget = { apiKey: string; baseUrl?: string };

/**
 * A Stripe SDK client for a key and, for the emulator, its base URL. The SDK is the same in both
 * modes: only host, port and protocol differ, so code that works here works against Stripe.
 */
export function createStripeClient(target: StripeTarget): Stripe {
  const options: ConstructorParameters<typeof Stripe>[1] = {
    // Retries are ours (the outbox and webhook redelivery); the SDK's would hide outages from them.
    maxNetworkRetries: 0,
    timeout: 20_000,
    appInfo: { name: "Meterline" },
  };
  if (target.baseUrl) {
    const url = new URL(target.baseUrl);
    options.host = url.hostname;
    options.port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    options.protocol = url.protocol === "https:" ? "https" : "http";
  }
  return new Stripe(target.apiKey, options);
}

/** Where the app's Stripe calls go, decided by lib/config/integrations (the one place). */
export function stripeTarget(): StripeTarget {
  const env = getEnv();
  if (getIntegrations().stripe.mode === "stripe") return { apiKey: env.STRIPE_SECRET_KEY! };
  if (!env.STRIPE_EMULATOR_URL) {
    throw new AppError("internal", "Stripe is not configured: set STRIPE_SECRET_KEY, or run the Stripe emulator (npm run dev sets STRIPE_EMULATOR_URL)");
  }
  return { apiKey: env.STRIPE_SECRET_KEY ?? EMULATOR_API_KEY, baseUrl: env.STRIPE_EMULATOR_URL };
}

// One client per target per process; kept on globalThis so `next dev` reloads reuse it.
const globalForStripe = globalThis as unknown as { __meterlineStripe?: { key: string; client: Stripe } };

export function getStripe(): Stripe {
  const target = stripeTarget();
  const key = `${target.apiKey}@${target.baseUrl ?? "stripe"}`;
  const cached = globalForStripe.__meterlineStripe;
  if (cached && cached.key === key) return cached.client;
  const client = createStripeClient(target);
  globalForStripe.__meterlineStripe = { key, client };
  return client;
}

/** The secret webhook signatures are checked against; refuses to run without one against Stripe. */
export function getWebhookSecretOrThrow(): string {
  const env = getEnv();
  if (env.STRIPE_WEBHOOK_SECRET) return env.STRIPE_WEBHOOK_SECRET;
  if (getIntegrations().stripe.mode === "emulator") return EMULATOR_WEBHOOK_SECRET;
  throw new AppError("internal", "STRIPE_WEBHOOK_SECRET is not set");
}
