import type Stripe from "stripe";

/**
 * How the app's Stripe client finds the emulator. `STRIPE_API_BASE` (e.g.
 * `http://127.0.0.1:12111`) overrides Stripe's host; unset means real Stripe.
 * Kept free of emulator imports so the app can use it in production code.
 */
export function stripeClientOptionsFromEnv(env: Record<string, string | undefined> = process.env): Pick<Stripe.StripeConfig, "host" | "port" | "protocol"> {
  const base = env.STRIPE_API_BASE;
  if (!base) return {};
  const url = new URL(base);
  const protocol = url.protocol === "http:" ? "http" : "https";
  return { host: url.hostname, port: Number(url.port || (protocol === "http" ? 80 : 443)), protocol };
}
