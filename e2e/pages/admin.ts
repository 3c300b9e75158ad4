import { expect, type Page } from "@playwright/test";

/** The platform console (/admin). */
export class AdminPages {
  constructor(private readonly page: Page) {}

  async findCustomer(query: string) {
    await this.page.goto("/admin/customers");
    await this.page.getByTestId("customer-search").fill(query);
    await this.page.getByTestId("customer-search-submit").click();
    await expect(this.page.getByTestId("customers-row")).toHaveCount(1);
  }

  async openFirstCustomer() {
    await this.page.getByTestId("customer-link").first().click();
    await this.page.waitForURL("**/admin/customers/*");
  }

  async grantCredits(credits: number, reason: string) {
    const form = this.page.getByTestId("grant-form");
    await form.getByLabel("Credits (negative deducts)").fill(String(credits));
    await form.getByLabel("Reason (audited)").fill(reason);
    await form.getByRole("button", { name: "Apply" }).click();
    await expect(form.getByRole("status")).toContainText(`Granted ${credits.toLocaleString("en-US")} credits`);
  }

  journal() {
    return this.page.getByTestId("journal");
  }

  auditLog() {
    return this.page.getByTestId("audit-log");
  }

  breakerStatus() {
    return this.page.getByTestId("breaker-status");
  }
}
