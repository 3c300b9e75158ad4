import { expect, type Page } from "@playwright/test";

/**
 * /settings/billing and the Stripe emulator's hosted pages. Selectors are data-testids, kept in
 * one place, here.
 */
export class BillingPage {
  constructor(private readonly page: Page) {}

  async open() {
    await this.page.goto("/settings/billing");
  }

  async buyPack(packKey: string) {
    await this.open();
    await this.page.getByTestId(`buy-pack-${packKey}`).click();
    await this.page.waitForURL(/\/checkout\//);
  }

  async subscribePro() {
    await this.open();
    await this.page.getByTestId("subscribe-pro").click();
    await this.page.waitForURL(/\/checkout\//);
  }

  /** Fills the emulator's hosted checkout and pays; `card` 4242… succeeds, 4000 0000 0000 0002 is declined. */
  async payOnCheckout(card: string) {
    await this.page.getByTestId("card-number").fill(card);
    await this.page.getByTestId("card-expiry").fill("12 / 34");
    await this.page.getByTestId("card-cvc").fill("123");
    await this.page.getByTestId("card-name").fill("E2E Customer");
    await this.page.getByTestId("pay-button").click();
  }

  invoiceRows() {
    return this.page.getByTestId("invoice-row");
  }

  async expectPlan(name: string) {
    await expect(this.page.getByTestId("billing-plan")).toContainText(name);
  }
}
