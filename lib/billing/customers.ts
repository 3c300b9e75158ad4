import { and, eq, isNull } from "drizzle-orm";
import type Stripe from "stripe";
import type { Db, DbOrTx } from "@/db/client";
import { accounts } from "@/db/schema";
import { AppError, notFound } from "@/lib/errors";

export type CustomerOptions = {
  /**
   * Test mode only (STRIPE_TEST_CLOCKS): the new customer gets its own test clock, frozen at its
   * creation, so a test can advance that customer's time through renewals the way Stripe's
   * test-mode flow does. Stripe refuses `test_clock` with a live key; env.ts refuses the switch.
   */
  testClock?: boolean;
};

/**
 * One Stripe customer per account, created on demand. The idempotency keys make two concurrent
 * first checkouts create one customer (on one clock); the conditional UPDATE makes the first
 * writer win.
 */
export async function ensureStripeCustomer(db: Db, stripe: Stripe, accountId: string, options: CustomerOptions = {}): Promise<string> {
  const [account] = await db.select({ name: accounts.name, customerId: accounts.stripeCustomerId }).from(accounts).where(eq(accounts.id, accountId));
  if (!account) throw notFound("Account");
  if (account.customerId) return account.customerId;
  const testClock = options.testClock ? await createCustomerTestClock(stripe, accountId) : undefined;
  const customer = await stripe.customers.create(
    { name: account.name, metadata: { account_id: accountId }, ...(testClock ? { test_clock: testClock } : {}) },
    { idempotencyKey: `meterline-customer-${accountId}` },
  );
  const [won] = await db
    .update(accounts)
    .set({ stripeCustomerId: customer.id, updatedAt: new Date() })
    .where(and(eq(accounts.id, accountId), isNull(accounts.stripeCustomerId)))
    .returning({ customerId: accounts.stripeCustomerId });
  if (won?.customerId) return won.customerId;
  const [again] = await db.select({ customerId: accounts.stripeCustomerId }).from(accounts).where(eq(accounts.id, accountId));
  if (!again?.customerId) throw new AppError("internal", "Could not link a Stripe customer to the account");
  return again.customerId;
}

/**
 * A clock frozen at now for one account's customer. Its own idempotency key, so a concurrent
 * first checkout gets the same clock and therefore the same customer parameters (Stripe refuses
 * an idempotency key replayed with different parameters).
 */
async function createCustomerTestClock(stripe: Stripe, accountId: string): Promise<string> {
  const clock = await stripe.testHelpers.testClocks.create(
    { frozen_time: Math.floor(Date.now() / 1000), name: `meterline account ${accountId}` },
    { idempotencyKey: `meterline-test-clock-${accountId}` },
  );
  return clock.id;
}

/** The account a Stripe customer belongs to, or null when it is not one of ours. */
export async function accountIdForCustomer(db: DbOrTx, customerId: string | null | undefined): Promise<string | null> {
  if (!customerId) return null;
  const [row] = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.stripeCustomerId, customerId));
  return row?.id ?? null;
}

export async function customerIdForAccount(db: DbOrTx, accountId: string): Promise<string | null> {
  const [row] = await db.select({ customerId: accounts.stripeCustomerId }).from(accounts).where(eq(accounts.id, accountId));
  return row?.customerId ?? null;
}

export const idOf = (v: string | { id: string } | null | undefined): string | null => (v == null ? null : typeof v === "string" ? v : v.id);
