import { afterEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import type { TestDb } from "@/tests/db";
import { ctx, makeUser } from "@/tests/helpers/fixtures";
import { payCheckout, setupBillingHarness, type BillingHarness } from "@/tests/helpers/billing";
import { accounts, billingSubscriptions } from "@/db/schema";
import { ensureStripeCustomer } from "@/lib/billing/customers";
import { createSubscriptionCheckout } from "@/lib/billing/subscriptions";
import { billingDeps } from "@/lib/billing/runtime";
import { getEnv, resetEnvForTests } from "@/lib/config/env";

let t: TestDb;
let h: BillingHarness;
setupBillingHarness((env) => ({ t, h } = env));
afterEach(() => {
  delete process.env.STRIPE_TEST_CLOCKS;
  delete process.env.STRIPE_SECRET_KEY;
  resetEnvForTests();
});

async function customerOf(customerId: string): Promise<Stripe.Customer> {
  const c = await h.stripe.customers.retrieve(customerId);
  if ("deleted" in c && c.deleted) throw new Error(`customer ${customerId} was deleted`);
  return c as Stripe.Customer;
}

describe("STRIPE_TEST_CLOCKS: the customer created on demand", () => {
  it("option off → customer has no test clock; a second call returns the same customer", async () => {
    const u = await makeUser(t.db);
    const id = await ensureStripeCustomer(t.db, h.stripe, u.personalAccountId);
    expect((await customerOf(id)).test_clock).toBeNull();
    expect(await ensureStripeCustomer(t.db, h.stripe, u.personalAccountId)).toBe(id);
  });

  it("option on → customer on its own clock, frozen within 5 s of creation; a second call reuses customer and clock", async () => {
    const u = await makeUser(t.db);
    const before = Math.floor(Date.now() / 1000);
    const id = await ensureStripeCustomer(t.db, h.stripe, u.personalAccountId, { testClock: true });
    const clockId = (await customerOf(id)).test_clock;
    expect(typeof clockId).toBe("string");
    const clock = await h.stripe.testHelpers.testClocks.retrieve(clockId as string);
    expect(clock.frozen_time - before).toBeGreaterThanOrEqual(0);
    expect(clock.frozen_time - before).toBeLessThanOrEqual(5);
    expect(clock.status).toBe("ready");
    expect(await ensureStripeCustomer(t.db, h.stripe, u.personalAccountId, { testClock: true })).toBe(id);
    expect((await h.stripe.customers.list({ test_clock: clockId as string })).data.map((c) => c.id)).toEqual([id]);
  });

  it("two concurrent first calls with the option on → one customer, one clock", async () => {
    const u = await makeUser(t.db);
    const [a, b] = await Promise.all([
      ensureStripeCustomer(t.db, h.stripe, u.personalAccountId, { testClock: true }),
      ensureStripeCustomer(t.db, h.stripe, u.personalAccountId, { testClock: true }),
    ]);
    expect(a).toBe(b);
    const [row] = await t.db.select({ customerId: accounts.stripeCustomerId }).from(accounts).where(eq(accounts.id, u.personalAccountId));
    expect(row?.customerId).toBe(a);
    const clockId = (await customerOf(a)).test_clock as string;
    expect((await h.stripe.customers.list({ test_clock: clockId })).data).toHaveLength(1);
  });

  it("env STRIPE_TEST_CLOCKS=1 → billingDeps().testClocks; Pro checkout's subscription lives on the clock and renews when it advances one month + 1 h", async () => {
    process.env.STRIPE_TEST_CLOCKS = "1";
    resetEnvForTests();
    const deps = { ...billingDeps(), db: t.db, stripe: h.stripe };
    expect(deps.testClocks).toBe(true);
    const u = await makeUser(t.db);
    const actor = ctx(u.personalAccountId, u.user.id, "owner");
    const { url } = await createSubscriptionCheckout(deps, actor, "pro");
    expect((await payCheckout(url)).status).toBe(303);
    await h.settle();
    const [sub] = await t.db.select().from(billingSubscriptions).where(eq(billingSubscriptions.accountId, actor.accountId));
    const stripeSub = await h.stripe.subscriptions.retrieve(sub!.id);
    const clockId = (await customerOf(stripeSub.customer as string)).test_clock as string;
    const periodEnd = stripeSub.items.data[0]!.current_period_end;
    await h.stripe.testHelpers.testClocks.advance(clockId, { frozen_time: periodEnd + 3_600 });
    await h.settle();
    const renewed = await h.stripe.subscriptions.retrieve(sub!.id);
    expect(renewed.items.data[0]!.current_period_start).toBe(periodEnd);
    expect((await h.stripe.invoices.list({ subscription: sub!.id })).data).toHaveLength(2);
  });

  it("env unset → billingDeps().testClocks is false", () => {
    resetEnvForTests();
    expect(billingDeps().testClocks).toBe(false);
  });

  it("STRIPE_TEST_CLOCKS=1 with an sk_live_ key → the environment is refused", () => {
    process.env.STRIPE_TEST_CLOCKS = "1";
    process.env.STRIPE_SECRET_KEY = "sk_live_not_a_real_key";
    resetEnvForTests();
    expect(() => getEnv()).toThrow(/STRIPE_TEST_CLOCKS: test clocks exist only in test mode/);
  });
});
