import { and, eq, isNull } from "drizzle-orm";
import type Stripe from "stripe";
import type { Db, DbOrTx } from "@/db/client";
import { accounts } from "@/db/schema";
import { AppError, notFound } from "@/lib/errors";

/**
 * One Stripe customer per account, created on demand. The idempotency key makes two concurrent
 * first checkouts create one customer; the conditional UPDATE makes the first writer win.
 */
export async function ensureStripeCustomer(db: Db, stripe: Stripe, accountId: string): Promise<string> {
  const [account] = await db.select({ name: accounts.name, customerId: accounts.stripeCustomerId }).from(accounts).where(eq(accounts.id, accountId));
  if (!account) throw notFound("Account");
  if (account.customerId) return account.customerId;
  const customer = await stripe.customers.create(
    { name: account.name, metadata: { account_id: accountId } },
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
