import { expect, type Page } from "@playwright/test";

export class PlaygroundPage {
  constructor(private readonly page: Page) {}

  async open() {
    await this.page.goto("/playground");
    await expect(this.page.getByTestId("playground")).toBeVisible();
  }

  balance() {
    return this.page.getByTestId("playground-balance");
  }

  async setMaxTokens(n: number) {
    await this.page.getByLabel("Max tokens").fill(String(n));
  }

  async draft(text: string) {
    await this.page.getByTestId("playground-input").fill(text);
  }

  estimate() {
    return this.page.getByTestId("playground-estimate");
  }

  async send() {
    await this.page.getByTestId("playground-send").click();
  }

  lastCost() {
    return this.page.getByTestId("playground-cost").last();
  }
}

/** "1,234" → 1234 */
export const parseCredits = (text: string) => Number(text.replace(/[^\d]/g, ""));
