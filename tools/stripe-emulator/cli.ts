/**
 * `npm run stripe:emulator` — the sandbox Stripe for local development.
 * Env: STRIPE_EMULATOR_PORT (12111), STRIPE_WEBHOOK_URL, STRIPE_WEBHOOK_SECRET,
 * STRIPE_EMULATOR_STATE (.data/stripe-emulator.json), STRIPE_EMULATOR_PUBLIC_URL.
 */
import { DEFAULT_WEBHOOK_SECRET, EMULATOR_API_KEY, startStripeEmulator } from "./index";

async function main(): Promise<void> {
  const emulator = await startStripeEmulator({
    port: Number(process.env.STRIPE_EMULATOR_PORT ?? 12111),
    host: process.env.STRIPE_EMULATOR_HOST ?? "127.0.0.1",
    webhookUrl: process.env.STRIPE_WEBHOOK_URL || null,
    webhookSecret: process.env.STRIPE_WEBHOOK_SECRET || DEFAULT_WEBHOOK_SECRET,
    stateFile: process.env.STRIPE_EMULATOR_STATE || ".data/stripe-emulator.json",
    publicUrl: process.env.STRIPE_EMULATOR_PUBLIC_URL || undefined,
  });
  console.log(`Stripe sandbox (emulator) listening on ${emulator.url}`);
  console.log(`  API key:        ${EMULATOR_API_KEY} (any sk_test_… works)`);
  console.log(`  Webhooks:       ${process.env.STRIPE_WEBHOOK_URL || "(none; set STRIPE_WEBHOOK_URL)"} signed with ${emulator.webhookSecret}`);
  console.log(`  SDK options:    { host: "${emulator.stripeConfig.host}", port: ${emulator.port}, protocol: "http" }`);
  const shutdown = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
