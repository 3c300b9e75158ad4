import { expect, test } from "@playwright/test";
import { AuthPages, PASSWORD, uniqueEmail } from "./pages/auth";
import { TeamPage } from "./pages/team";
import { ApiKeysPage } from "./pages/api-keys";
import { expectAccessible, snap } from "./a11y";

test("sign up → create a team → invite → the invitee joins → API key shown once → revoke", async ({ page, browser }) => {
  const auth = new AuthPages(page);
  const ownerEmail = uniqueEmail("owner");

  await page.goto("/");
  await expectAccessible(page);
  await snap(page, "01-landing");

  await page.goto("/sign-up");
  await expect(page.getByTestId("local-auth-notice")).toContainText("Local sign-in");
  await expectAccessible(page);
  await snap(page, "01b-sign-up");

  await auth.signUp("Olivia Owner", ownerEmail);
  await expect(page.getByTestId("signed-in-as")).toHaveText(ownerEmail);
  await expectAccessible(page);
  await snap(page, "02-dashboard");

  const team = new TeamPage(page);
  await team.createTeam("Acme Robotics");
  const inviteeEmail = uniqueEmail("ivan");
  const link = await team.invite(inviteeEmail, "admin");
  await expect(page.getByTestId("invite-row")).toContainText(inviteeEmail);
  await expectAccessible(page);
  await snap(page, "03-team-invite");

  // The invitee signs up in a separate browser and accepts the link.
  const other = await browser.newContext();
  const invitee = await other.newPage();
  await new AuthPages(invitee).signUp("Ivan Invitee", inviteeEmail);
  await invitee.goto(link);
  await expect(invitee.getByRole("heading", { name: "Join Acme Robotics" })).toBeVisible();
  await expectAccessible(invitee);
  await snap(invitee, "03b-invite-accept");
  await invitee.getByTestId("accept-invite").click();
  await invitee.waitForURL("**/settings/team");
  await expect(invitee.getByTestId("members-table")).toContainText("Olivia Owner");
  await expect(invitee.getByTestId("members-table")).toContainText("Ivan Invitee");
  await other.close();

  const keys = new ApiKeysPage(page);
  await keys.open();
  const secret = await keys.create("production backend");
  await snap(page, "04-key-created");
  await expect(keys.row("production backend")).toContainText(secret.slice(0, 9));

  // Shown once: after a reload the secret is nowhere on the page.
  await page.reload();
  await expect(page.getByTestId("new-key-secret")).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);

  // The key works against the API until it is revoked.
  const ok = await page.request.get("/api/v1/account", { headers: { authorization: `Bearer ${secret}` } });
  expect(ok.status()).toBe(200);
  await keys.revoke("production backend");
  await expectAccessible(page);
  await snap(page, "05-key-revoked");
  const revoked = await page.request.get("/api/v1/account", { headers: { authorization: `Bearer ${secret}` } });
  expect(revoked.status()).toBe(401);
});

test("wrong password shows a clear error; sign-out ends the session", async ({ page }) => {
  const auth = new AuthPages(page);
  const email = uniqueEmail("wendy");
  await auth.signUp("Wendy Wrong", email);
  await auth.signOut();
  await page.goto("/dashboard");
  await page.waitForURL("**/sign-in?next=%2Fdashboard");
  await auth.signIn(email, "not-the-password", false);
  await expect(page.getByTestId("auth-error")).toHaveText("Wrong email or password");
  await expectAccessible(page);
  await snap(page, "06-wrong-password");
  await auth.signIn(email, PASSWORD);
  await expect(page.getByTestId("signed-in-as")).toHaveText(email);
});
