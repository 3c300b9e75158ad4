import { expect, type Page } from "@playwright/test";

export class TeamPage {
  constructor(private readonly page: Page) {}

  async open() {
    await this.page.goto("/settings/team");
  }

  async createTeam(name: string) {
    await this.open();
    await this.page.getByTestId("create-team-form").getByLabel("Team name").fill(name);
    await this.page.getByTestId("create-team-submit").click();
    await expect(this.page.getByTestId("account-switcher").locator("option:checked")).toContainText(name);
  }

  /** Returns the invite link shown in the UI (no email service in the sandbox). */
  async invite(email: string, role: "member" | "admin" = "member"): Promise<string> {
    const form = this.page.getByTestId("invite-form");
    await form.getByLabel("Email").fill(email);
    await form.getByLabel("Role").selectOption(role);
    await this.page.getByTestId("invite-submit").click();
    const link = this.page.getByTestId("invite-link");
    await expect(link).toHaveValue(/\/invite\//);
    return link.inputValue();
  }
}
