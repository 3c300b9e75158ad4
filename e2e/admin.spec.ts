import { expect, test, type Page } from "@playwright/test";
import { AuthPages, uniqueEmail } from "./pages/auth";
import { ApiKeysPage } from "./pages/api-keys";
import { AdminPages } from "./pages/admin";
import { expectAccessible, snap } from "./a11y";

/** The one platform admin the e2e server knows (ADMIN_EMAILS in playwright.config.ts). */
const ADMIN_EMAIL = "platform-admin@meterline.test";

async function signInAsAdmin(page: Page) {
  const auth = new AuthPages(page);
  await auth.signIn(ADMIN_EMAIL, undefined, false);
  // First run on a fresh database: the admin has no user yet, so sign-in says so; sign up instead.
  const outcome = await Promise.race([
    page.waitForURL("**/dashboard").then(() => "in" as const),
    page.locator("form [role=alert]").first().waitFor().then(() => "refused" as const),
  ]);
  if (outcome === "refused") await auth.signUp("Olga Operator", ADMIN_EMAIL);
}

test("an admin finds a customer, grants credits with a reason, and sees it in the journal and the audit log; a customer gets 404 on /admin", async ({ page, browser }) => {
  const customerEmail = uniqueEmail("cora");
  const other = await browser.newContext();
  const customerPage = await other.newPage();
  await new AuthPages(customerPage).signUp("Cora Customer", customerEmail);
  const notAdmin = await customerPage.goto("/admin");
  expect(notAdmin?.status()).toBe(404);
  expect((await customerPage.request.get("/api/admin/customers")).status()).toBe(404);

  await signInAsAdmin(page);
  const admin = new AdminPages(page);
  await admin.findCustomer(customerEmail);
  await expectAccessible(page);
  await snap(page, "admin-01-customers");
  await admin.openFirstCustomer();
  await expect(page.getByRole("heading", { name: "Cora's account" })).toBeVisible();

  await admin.grantCredits(12_345, "e2e: goodwill for the outage");
  await page.reload();
  await expect(admin.journal()).toContainText("+12,345");
  await expect(admin.journal()).toContainText("e2e: goodwill for the outage");
  await expect(admin.auditLog()).toContainText("admin.credits_granted");
  await expect(admin.auditLog()).toContainText("e2e: goodwill for the outage");
  await expectAccessible(page);
  await snap(page, "admin-02-customer-granted");
  await other.close();
});

test("a runaway script trips the breaker: requests get 403 saying why, and the customer's admin page shows it", async ({ page, browser }) => {
  const customerEmail = uniqueEmail("rex");
  const other = await browser.newContext();
  const customerPage = await other.newPage();
  await new AuthPages(customerPage).signUp("Rex Runaway", customerEmail);
  const keys = new ApiKeysPage(customerPage);
  await keys.open();
  const secret = await keys.create("agent");

  // The runaway script: the same request again and again, as an agent stuck in a loop does.
  const statuses: number[] = [];
  let refusal = "";
  for (let i = 0; i < 40 && !refusal; i++) {
    const res = await customerPage.request.post("/api/v1/chat/completions", {
      headers: { authorization: `Bearer ${secret}` },
      data: { model: "standard", messages: [{ role: "user", content: `Retry the failing step ${i} [mock tokens=5]` }], max_tokens: 16 },
    });
    statuses.push(res.status());
    if (res.status() === 403) refusal = ((await res.json()) as { error: { message: string } }).error.message;
  }
  expect(statuses.slice(0, 29).every((s) => s === 200)).toBe(true);
  expect(statuses.at(-1)).toBe(403);
  expect(refusal).toContain("near-identical requests");
  expect(refusal).toContain("/settings/protection");
  // Still refused: nothing more is billed.
  const again = await customerPage.request.post("/api/v1/chat/completions", { headers: { authorization: `Bearer ${secret}` }, data: { model: "standard", messages: [{ role: "user", content: "one more [mock tokens=5]" }] } });
  expect(again.status()).toBe(403);

  // The customer sees why on their protection page.
  await customerPage.goto("/settings/protection");
  await expect(customerPage.getByTestId("trip")).toContainText("near-identical requests");

  await signInAsAdmin(page);
  const admin = new AdminPages(page);
  await admin.findCustomer(customerEmail);
  await admin.openFirstCustomer();
  await expect(admin.breakerStatus().getByTestId("open-trip")).toContainText("API key");
  await expect(admin.breakerStatus().getByTestId("open-trip")).toContainText("near-identical requests");
  await expect(admin.auditLog()).toContainText("breaker.tripped");
  await expectAccessible(page);
  await snap(page, "admin-03-breaker-tripped");

  // The owner resumes with a reason; the key works again (cautious mode).
  await customerPage.getByTestId("resume-form").getByLabel("What happened, and is it fixed?").fill("fixed the retry loop");
  await customerPage.getByTestId("resume-submit").click();
  // Resumed: nothing paused any more, cautious mode for a while.
  await expect(customerPage.getByTestId("protection-status")).toContainText("Nothing is paused");
  await expect(customerPage.getByTestId("protection-status")).toContainText("Cautious mode");
  await expectAccessible(customerPage);
  const resumed = await customerPage.request.post("/api/v1/chat/completions", { headers: { authorization: `Bearer ${secret}` }, data: { model: "standard", messages: [{ role: "user", content: "after the fix [mock tokens=5]" }] } });
  expect(resumed.status()).toBe(200);
  await other.close();
});
