import fs from "node:fs";
import path from "node:path";
import { and, eq, inArray, isNull } from "drizzle-orm";
import { createDb } from "@/db/client";
import type Stripe from "stripe";
import { accounts, billingSubscriptions, memberships, meterOutbox, users } from "@/db/schema";
import { createStripeClient, EMULATOR_API_KEY } from "@/lib/billing/stripe-client";
import { embeddedDatabaseUrl } from "@/lib/config/integrations";

/** The Stripe emulator's URL: tools/dev.ts writes it to the e2e data dir (its port is picked at random). */
export function stripeEmulatorUrl(): string {
  if (process.env.STRIPE_EMULATOR_URL) return process.env.STRIPE_EMULATOR_URL;
  const file = path.resolve(".data/e2e/sandbox.json");
  const url = (JSON.parse(fs.readFileSync(file, "utf8")) as { STRIPE_EMULATOR_URL?: string }).STRIPE_EMULATOR_URL;
  if (!url) throw new Error(`${file} has no STRIPE_EMULATOR_URL: the sandbox does not run the Stripe emulator`);
  return url;
}

async function withDb<T>(fn: (db: ReturnType<typeof createDb>["db"]) => Promise<T>): Promise<T> {
  const { db, sql } = createDb(embeddedDatabaseUrl(Number(process.env.E2E_PG_PORT ?? 54339)), { max: 1 });
  try {
    return await fn(db);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function emulator(pathname: string, body: unknown = {}) {
  const res = await fetch(new URL(pathname, stripeEmulatorUrl()), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`emulator ${pathname}: HTTP ${res.status} ${await res.text()}`);
}

/** The official SDK against the sandbox's emulator, the way the app and tests/helpers/billing.ts build it. */
function stripeSdk(): Stripe {
  return createStripeClient({ apiKey: EMULATOR_API_KEY, baseUrl: stripeEmulatorUrl() });
}

type LiveSubscription = { id: string; accountId: string; customerId: string };

async function liveSubscriptionOf(db: ReturnType<typeof createDb>["db"], email: string): Promise<LiveSubscription> {
  const [row] = await db
    .select({ id: billingSubscriptions.id, accountId: billingSubscriptions.accountId, customerId: accounts.stripeCustomerId })
    .from(billingSubscriptions)
    .innerJoin(accounts, eq(accounts.id, billingSubscriptions.accountId))
    .innerJoin(memberships, eq(memberships.accountId, billingSubscriptions.accountId))
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(users.email, email.toLowerCase()), inArray(billingSubscriptions.status, ["active", "past_due"])));
  if (!row?.customerId) throw new Error(`${email} has no live subscription`);
  return { id: row.id, accountId: row.accountId, customerId: row.customerId };
}

/** The test clock the app put the customer on (STRIPE_TEST_CLOCKS=1 in playwright.config.ts). */
async function testClockOf(stripe: Stripe, customerId: string): Promise<string> {
  const customer = await stripe.customers.retrieve(customerId);
  const clock = "deleted" in customer && customer.deleted ? null : customer.test_clock;
  const clockId = typeof clock === "string" ? clock : (clock?.id ?? null);
  if (!clockId) throw new Error(`customer ${customerId} is not on a test clock: is STRIPE_TEST_CLOCKS=1 set for the sandbox?`);
  return clockId;
}

/** Advances a clock and waits for `ready`: Stripe advances asynchronously (the emulator is done when it answers). */
async function advanceClock(stripe: Stripe, clockId: string, to: number, deadline: number): Promise<void> {
  let clock = await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
  while (clock.status !== "ready") {
    if (clock.status === "internal_failure") throw new Error(`test clock ${clockId} failed to advance to ${to}`);
    if (Date.now() > deadline) throw new Error(`test clock ${clockId} was not ready in time (status ${clock.status})`);
    await new Promise((r) => setTimeout(r, 500));
    clock = await stripe.testHelpers.testClocks.retrieve(clockId);
  }
}

/**
 * Catches the user's customer clock up with the wall clock. The clock is frozen when the customer
 * is created (at subscribe), and the worker stamps meter events with their real capture time;
 * Stripe takes a test-clock customer's event only up to 5 minutes after the clock's time, so the
 * journey brings the clock to now right before the usage it meters, however long checkout took.
 */
export async function advanceTestClockToNow(email: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const sub = await withDb((db) => liveSubscriptionOf(db, email));
  const stripe = stripeSdk();
  const clockId = await testClockOf(stripe, sub.customerId);
  const { frozen_time } = await stripe.testHelpers.testClocks.retrieve(clockId);
  const now = Math.floor(Date.now() / 1000);
  if (now > frozen_time) await advanceClock(stripe, clockId, now, deadline);
  await emulator(`/_emulator/webhooks/flush?timeoutMs=${Math.max(1_000, deadline - Date.now())}`);
}

/**
 * The renewal date, through the customer's test clock: waits until the worker has reported every
 * overage credit to Stripe, advances the clock an hour past the current period's end (Stripe
 * renews, finalizes and charges the invoice, which bills what the meter summed over the period),
 * waits for the clock to be ready, then until the invoice's webhooks are delivered.
 */
export async function advanceTestClockPastRenewal(email: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const sub = await withDb(async (db) => {
    const row = await liveSubscriptionOf(db, email);
    for (;;) {
      const pending = await db.select({ id: meterOutbox.id }).from(meterOutbox).where(and(eq(meterOutbox.accountId, row.accountId), isNull(meterOutbox.reportedAt))).limit(1);
      if (pending.length === 0) return row;
      if (Date.now() > deadline) throw new Error("overage was not reported to Stripe in time (is the worker running?)");
      await new Promise((r) => setTimeout(r, 1_000));
    }
  });
  const stripe = stripeSdk();
  const clockId = await testClockOf(stripe, sub.customerId);
  const subscription = await stripe.subscriptions.retrieve(sub.id);
  const periodEnd = subscription.items.data[0]?.current_period_end;
  if (!periodEnd) throw new Error(`subscription ${sub.id} has no current period`);
  await advanceClock(stripe, clockId, periodEnd + 3_600, deadline);
  await emulator(`/_emulator/webhooks/flush?timeoutMs=${Math.max(1_000, deadline - Date.now())}`);
}
