import Stripe from "stripe";

/**
 * Advances the test clock of the customer's subscription on the Stripe emulator (or a Stripe
 * test account). Needs STRIPE_EMULATOR_URL in the e2e environment — set by the sandbox runner
 * once it starts the emulator — and billing creating sandbox customers on a test clock.
 */
export async function advanceCustomerClock(customerEmail: string, days: number): Promise<void> {
  const base = process.env.STRIPE_EMULATOR_URL;
  if (!base) throw new Error("STRIPE_EMULATOR_URL is not set: the sandbox does not run the Stripe emulator yet");
  const url = new URL(base);
  const stripe = new Stripe(process.env.STRIPE_SECRET_KEY ?? "sk_test_meterline_emulator", { host: url.hostname, port: Number(url.port), protocol: url.protocol.replace(":", "") as "http" | "https" });
  const customers = await stripe.customers.list({ email: customerEmail, limit: 1 });
  const clockId = customers.data[0]?.test_clock;
  if (!clockId) throw new Error(`Customer ${customerEmail} has no test clock`);
  const id = typeof clockId === "string" ? clockId : clockId.id;
  const clock = await stripe.testHelpers.testClocks.retrieve(id);
  await stripe.testHelpers.testClocks.advance(id, { frozen_time: clock.frozen_time + days * 86_400 });
}
