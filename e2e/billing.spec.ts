import { expect, test } from "@playwright/test";
import { AuthPages, uniqueEmail } from "./pages/auth";
import { ApiKeysPage } from "./pages/api-keys";
import { BillingPage } from "./pages/billing";
import { UsagePage } from "./pages/usage";
import { expectAccessible, snap } from "./a11y";
import { chargedCompletion, openaiClient } from "./support/openai";
import { advanceCustomerClock } from "./support/stripe";

/*
 * Journeys 1, 4 and 5 need the billing page (billing branch) and the Stripe emulator started by
 * the sandbox runner (lead). Until both are in the build they skip with that reason; nothing
 * else in them is a placeholder.
 */
test.beforeEach(async ({ page }) => {
  test.skip(!(await new BillingPage(page).available()), "needs /settings/billing (billing branch) and the Stripe emulator in the sandbox");
});

test("journey 1: sign up → free credits → buy a pack with 4242… on the emulator's checkout → the balance shows the pack", async ({ page }) => {
  await new AuthPages(page).signUp("Bea Buyer", uniqueEmail("bea"));
  const usage = new UsagePage(page);
  await usage.open();
  expect(await usage.available()).toBe(100_000);
  await expect(page.getByTestId("usage-source-free")).toContainText("100,000");

  const billing = new BillingPage(page);
  await billing.buyPack("starter");
  await expectAccessible(page);
  await snap(page, "billing-01-checkout");
  await billing.payOnCheckout("4242 4242 4242 4242");
  await page.waitForURL("**/settings/billing**");
  await snap(page, "billing-02-returned");

  await expect(async () => {
    await usage.open();
    expect(await usage.available()).toBe(2_100_000);
  }).toPass({ timeout: 20_000 });
  await expect(page.getByTestId("usage-source-purchased")).toContainText("2,000,000");
  expect(await usage.balanceInShell()).toBe(2_100_000);
  await expectAccessible(page);
  await snap(page, "billing-03-usage-with-pack");
});

test("journey 5: a declined card shows a clear error and grants nothing", async ({ page }) => {
  await new AuthPages(page).signUp("Dee Declined", uniqueEmail("dee"));
  const billing = new BillingPage(page);
  await billing.buyPack("starter");
  await billing.payOnCheckout("4000 0000 0000 0002");
  await expect(page.getByTestId("checkout-error")).toContainText(/declined/i);
  await expectAccessible(page);
  await snap(page, "billing-04-declined");
  const usage = new UsagePage(page);
  await usage.open();
  expect(await usage.available()).toBe(100_000);
  await expect(page.getByTestId("usage-source-purchased")).toContainText("0");
});

test("journey 4: subscribe to Pro → usage past the allowance is overage with projected spend → advance the clock → the invoice has the overage line", async ({ page }) => {
  test.setTimeout(180_000);
  const email = uniqueEmail("pro");
  await new AuthPages(page).signUp("Pat Pro", email);
  const billing = new BillingPage(page);
  await billing.subscribePro();
  await billing.payOnCheckout("4242 4242 4242 4242");
  await page.waitForURL("**/settings/billing**");
  await expect(async () => {
    await billing.open();
    await billing.expectPlan("Pro");
  }).toPass({ timeout: 20_000 });

  const keys = new ApiKeysPage(page);
  await keys.open();
  const client = openaiClient(await keys.create("pro agent"), "agent.loop");
  // 100,000 signup + 1,000,000 included, then overage: 16 × ~73,779 credits.
  for (let i = 0; i < 16; i++) await chargedCompletion(client, { model: "mock-large", content: `[mock tokens=8192] step ${i}`, max_tokens: 8192 });

  const usage = new UsagePage(page);
  await usage.open();
  await expect(page.getByTestId("usage-overage")).toBeVisible();
  await expect(page.getByTestId("usage-projection")).toContainText("over the included quota");
  await snap(page, "billing-05-pro-overage");

  await advanceCustomerClock(email, 32);
  await expect(async () => {
    await billing.open();
    await expect(billing.invoiceRows().first()).toContainText(/overage/i);
  }).toPass({ timeout: 60_000 });
  await expectAccessible(page);
  await snap(page, "billing-06-invoice");
});
