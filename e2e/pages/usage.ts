import { expect, type Page } from "@playwright/test";

export class UsagePage {
  constructor(private readonly page: Page) {}

  async open() {
    await this.page.goto("/settings/usage");
    await expect(this.page.getByRole("heading", { name: "Usage", level: 1 })).toBeVisible();
  }

  /** The exact credit value behind a formatted number (data-value). */
  async valueOf(testId: string): Promise<number> {
    return Number(await this.page.getByTestId(testId).first().getAttribute("data-value"));
  }

  usedCredits = () => this.valueOf("usage-used-credits");
  available = () => this.valueOf("usage-available-credits");
  balanceInShell = () => this.valueOf("credit-bar-balance");

  async chartTotal(): Promise<number> {
    return Number(await this.page.getByTestId("usage-chart").getAttribute("data-total"));
  }

  recentRows() {
    return this.page.getByTestId("recent-request-row");
  }

  async setLimits(values: { soft?: string; hard?: string; blockOverage?: boolean }) {
    const form = this.page.getByTestId("limits-form");
    if (values.soft !== undefined) await form.getByTestId("limits-soft").fill(values.soft);
    if (values.hard !== undefined) await form.getByTestId("limits-hard").fill(values.hard);
    if (values.blockOverage !== undefined) await form.getByTestId("limits-block-overage").setChecked(values.blockOverage);
    await form.getByTestId("limits-save").click();
    await expect(this.page.getByTestId("limits-saved")).toBeVisible();
  }
}
