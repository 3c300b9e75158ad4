import { DEFAULT_WEBHOOK_SECRET, EMULATOR_API_KEY, startStripeEmulator, type StripeEmulator } from "./index";

export interface SandboxStripe {
  emulator: StripeEmulator;
  /** Environment for the Next.js process so the app talks to the emulator. */
  env: Record<string, string>;
}

/**
 * For `npm run dev`: when no STRIPE_SECRET_KEY is configured, start the emulator
 * (state in `.data/`) and return the env that points the app at it. With a key
 * set, return null and the app talks to real Stripe.
 */
export async function startSandboxStripeIfNeeded(env: Record<string, string | undefined> = process.env): Promise<SandboxStripe | null> {
  if (env.STRIPE_SECRET_KEY) return null;
  const appUrl = env.APP_URL ?? `http://localhost:${env.PORT ?? "3000"}`;
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET || DEFAULT_WEBHOOK_SECRET;
  const emulator = await startStripeEmulator({
    port: Number(env.STRIPE_EMULATOR_PORT ?? 12111),
    webhookUrl: env.STRIPE_WEBHOOK_URL || `${appUrl}/api/webhooks/stripe`,
    webhookSecret,
    stateFile: env.STRIPE_EMULATOR_STATE || ".data/stripe-emulator.json",
    publicUrl: env.STRIPE_EMULATOR_PUBLIC_URL || undefined,
  });
  return {
    emulator,
    env: {
      STRIPE_SECRET_KEY: EMULATOR_API_KEY,
      STRIPE_API_BASE: emulator.url,
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      STRIPE_SANDBOX: "emulator",
    },
  };
}
