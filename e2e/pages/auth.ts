import { expect, type Page } from "@playwright/test";

let seq = 0;
export function uniqueEmail(name: string): string {
  return `${name}.${Date.now().toString(36)}${++seq}@example.test`;
}

export const PASSWORD = "correct-horse-battery";

export class AuthPages {
  constructor(private readonly page: Page) {}

  async signUp(name: string, email: string, password = PASSWORD) {
    await this.page.goto("/sign-up");
    await expect(this.page.getByTestId("local-auth-notice")).toContainText("Local sign-in");
    await this.page.getByLabel("Name").fill(name);
    await this.page.getByLabel("Email").fill(email);
    await this.page.getByLabel("Password").fill(password);
    await this.page.getByTestId("sign-up-submit").click();
    await this.page.waitForURL("**/dashboard");
  }

  async signIn(email: string, password = PASSWORD, expectSuccess = true) {
    await this.page.goto("/sign-in");
    await this.page.getByLabel("Email").fill(email);
    await this.page.getByLabel("Password").fill(password);
    await this.page.getByTestId("sign-in-submit").click();
    if (expectSuccess) await this.page.waitForURL("**/dashboard");
  }

  async signOut() {
    await this.page.getByTestId("sign-out").click();
    await this.page.waitForURL("**/sign-in");
  }
}
