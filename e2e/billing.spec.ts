import { expect, test } from "@playwright/test";
import { AuthPages, uniqueEmail } from "./pages/auth";
import { ApiKeysPage } from "./pages/api-keys";
import { BillingPage } from "./pages/billing";
import { UsagePage } from "./pages/usage";
import { expectAccessible, snap } from "./a11y";
import { chargedCompletion, openaiClient } from "./support/openai";
import { advanceTestClockPastRenewal, advanceTestClockToNow } from "./support/stripe";

/*
 * Billing journeys against the whole sandbox: the app, the Stripe emulator's hosted checkout
 * (started by tools/dev.ts, webhooks signed and delivered to the app) and the mock LLM.
 */

test("journey 1: sign up → free credits → buy a pack with 4242… on the emulator's checkout → the balance shows the pack", async ({ page }) => {
  await new AuthPages(page).signUp("Bea Buyer", uniqueEmail("bea"));
  const usage = new UsagePage(page);
  await usage.open();
  expect(await usage.available()).toBe(100_000);
  await expect(page.getByTestId("usage-source-free")).toContainText("100,000");
  await expectAccessible(page);

  const billing = new BillingPage(page);
  await billing.open();
  await billing.expectPlan("Free");
  await expect(page.getByTestId("pack-starter")).toContainText("$5.00 per 1M credits");
  await expect(page.getByText("No invoices yet")).toBeVisible();
  await expectAccessible(page);
  await snap(page, "billing-00-free");
  await billing.buyPack("starter");
  await expectAccessible(page);
  await snap(page, "billing-01-checkout");
  await billing.payOnCheckout("4242 4242 4242 4242");
  await page.waitForURL("**/settings/billing/success**");
  // Whichever comes first, the webhook or the success page asking Stripe, grants the pack once.
  await expect(page.getByTestId("checkout-granted")).toContainText("2,000,000 credits added");
  await expect(page.getByTestId("balance")).toHaveText("2,100,000");
  await expectAccessible(page);
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
  await expect(page).toHaveURL(/\/checkout\//);
  await expectAccessible(page);
  await snap(page, "billing-04-declined");
  const usage = new UsagePage(page);
  await usage.open();
  expect(await usage.available()).toBe(100_000);
  await expect(page.getByTestId("usage-source-purchased")).toContainText("0");
  await expectAccessible(page);
  await billing.open();
  await expect(page.getByTestId("available-credits")).toHaveAttribute("data-value", "100000");
  await expect(page.getByTestId("purchase-row")).toHaveCount(0);
  await expectAccessible(page);
});

test("journey 4: subscribe to Pro → usage past the allowance is overage with projected spend → advance the test clock past the period end → the invoice has the overage line", async ({ page }) => {
  test.setTimeout(180_000);
  const email = uniqueEmail("pro");
  await new AuthPages(page).signUp("Pat Pro", email);
  const billing = new BillingPage(page);
  await billing.subscribePro();
  await expectAccessible(page);
  await billing.payOnCheckout("4242 4242 4242 4242");
  await page.waitForURL("**/settings/billing**");
  await expect(async () => {
    await billing.open();
    await billing.expectPlan("Pro");
    await expect(page.getByTestId("billing-plan")).toContainText("$29.00");
    await expect(page.getByTestId("billing-plan")).toContainText("1,000,000");
  }).toPass({ timeout: 20_000 });
  await expect(billing.invoiceRows()).toHaveCount(1);
  await expectAccessible(page);
  await snap(page, "billing-05a-pro");

  const keys = new ApiKeysPage(page);
  await keys.open();
  await expectAccessible(page);
  // The customer's clock was frozen at subscribe; bring it to now so the usage below, stamped with
  // its real capture time, is well inside Stripe's 5-minute future window (see advanceTestClockToNow).
  await advanceTestClockToNow(email);
  const client = openaiClient(await keys.create("pro agent"), "agent.loop");
  // 100,000 signup + 1,000,000 included, then overage: 16 × ~73,779 credits.
  for (let i = 0; i < 16; i++) await chargedCompletion(client, { model: "mock-large", content: `[mock tokens=8192] step ${i}`, max_tokens: 8192 });

  const usage = new UsagePage(page);
  await usage.open();
  await expect(page.getByTestId("usage-overage")).toBeVisible();
  await expect(page.getByTestId("usage-projection")).toContainText("over the included quota");
  await expectAccessible(page);
  await snap(page, "billing-05-pro-overage");

  // The renewal date: the customer's test clock advances past the period end, and Stripe bills the
  // period with the metered overage (see advanceTestClockPastRenewal).
  await advanceTestClockPastRenewal(email);
  await expect(async () => {
    await billing.open();
    await expect(billing.invoiceRows()).toHaveCount(2);
    await expect(billing.invoiceRows().first()).toContainText(/overage/i);
  }).toPass({ timeout: 60_000 });
  // 1,180,464-ish credits used against 1,100,000 granted: the overage line bills what went over.
  await expect(billing.invoiceRows().first().getByTestId("invoice-overage-line")).toContainText(/Overage: [\d,]+ credits · \$\d+\.\d\d/);
  await expect(billing.invoiceRows().first()).toContainText("paid");
  await expectAccessible(page);
  await snap(page, "billing-06-invoice");
  await page.setViewportSize({ width: 390, height: 844 });
  await billing.open();
  // Nothing widens the page on a phone: the invoice table scrolls inside its card.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await expect(page.getByTestId("invoice-card").first()).toContainText(/Overage: [\d,]+ credits/);
  await expectAccessible(page);
  await snap(page, "billing-07-invoice-390");
});
