import { expect, type Page } from "@playwright/test";

export class ApiKeysPage {
  constructor(private readonly page: Page) {}

  async open() {
    await this.page.goto("/settings/api-keys");
  }

  /** Creates a key and returns the secret, which the page shows exactly once. */
  async create(name: string): Promise<string> {
    await this.page.getByTestId("create-key-form").getByLabel("Key name").fill(name);
    await this.page.getByTestId("create-key-submit").click();
    const secret = this.page.getByTestId("new-key-secret");
    await expect(secret).toHaveValue(/^mk_[A-Za-z0-9]{40}$/);
    return secret.inputValue();
  }

  row(name: string) {
    return this.page.locator(`[data-testid="key-row"][data-key-name="${name}"]`);
  }

  async revoke(name: string) {
    this.page.once("dialog", (d) => void d.accept());
    await this.row(name).getByTestId("revoke-key").click();
    await expect(this.row(name).getByTestId("key-revoked")).toBeVisible();
  }
}
