import { expect, test, type Page } from "@playwright/test";
import { AuthPages, uniqueEmail } from "./pages/auth";
import { ApiKeysPage } from "./pages/api-keys";
import { TeamPage } from "./pages/team";
import { UsagePage } from "./pages/usage";
import { expectAccessible, snap } from "./a11y";
import { chargedCompletion, openaiClient } from "./support/openai";
import { BillingPage } from "./pages/billing";

async function switchTo(page: Page, accountName: string) {
  const sw = page.getByTestId("account-switcher");
  const value = await sw.locator("option", { hasText: accountName }).getAttribute("value");
  await sw.selectOption(value!);
  await expect(sw.locator("option:checked")).toContainText(accountName);
}

test("journey 2: API key → requests with the openai client → big number, chart, top actions and recent requests show them", async ({ page }) => {
  const auth = new AuthPages(page);
  await auth.signUp("Una Usage", uniqueEmail("una"));
  const usage = new UsagePage(page);
  await usage.open();
  expect(await usage.usedCredits()).toBe(0);
  expect(await usage.available()).toBe(100_000);
  expect(await usage.balanceInShell()).toBe(100_000);
  await expect(page.getByTestId("recent-requests")).toHaveCount(0);
  await expectAccessible(page);
  await snap(page, "usage-01-empty");

  const keys = new ApiKeysPage(page);
  await keys.open();
  const secret = await keys.create("e2e client");
  const client = openaiClient(secret, "e2e.chat");
  let charged = 0;
  charged += await chargedCompletion(client, { model: "standard", content: "Summarise the invoice in one line." });
  charged += await chargedCompletion(client, { model: "standard", content: "Name three colours." });
  charged += await chargedCompletion(openaiClient(secret, "e2e.summarize"), { model: "mock-large", content: "Summarise this paragraph." });
  expect(charged).toBeGreaterThan(0);

  await usage.open();
  expect(await usage.usedCredits()).toBe(charged);
  expect(await usage.chartTotal()).toBe(charged);
  expect(await usage.available()).toBe(100_000 - charged);
  expect(await usage.balanceInShell()).toBe(100_000 - charged);
  await expect(page.getByTestId("usage-by-action")).toContainText("e2e.chat");
  await expect(page.getByTestId("usage-by-action")).toContainText("e2e.summarize");
  await expect(page.getByTestId("usage-by-model")).toContainText("mock-large");
  await expect(usage.recentRows()).toHaveCount(3);
  await expect(page.getByTestId("usage-by-key")).toContainText("e2e client");
  await expectAccessible(page);
  await snap(page, "usage-02-with-requests");

  // The chart's tooltip shows the day's credits on hover.
  await page.locator(".recharts-bar-rectangle").last().hover();
  await expect(page.getByTestId("usage-chart-tooltip")).toContainText("credits");

  // Each receipt opens; its charge is one of the three.
  await usage.recentRows().first().getByRole("link").click();
  await expect(page.getByRole("heading", { name: "Receipt" })).toBeVisible();
  const one = Number((await page.getByTestId("receipt-charged").textContent())!.replace(/,/g, ""));
  expect(one).toBeGreaterThan(0);
  expect(one).toBeLessThanOrEqual(charged);
  await expectAccessible(page);
  await snap(page, "usage-03-receipt");

  await page.setViewportSize({ width: 390, height: 844 });
  await usage.open();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await snap(page, "usage-04-mobile");
});

test("journey 3: an admin sets a hard limit → the next request is refused with 402 → the page says so; a member cannot change limits", async ({ page, browser }) => {
  test.setTimeout(180_000);
  const teamName = `Limits Co ${Date.now().toString(36)}`;
  await new AuthPages(page).signUp("Owen Owner", uniqueEmail("owen"));
  const team = new TeamPage(page);
  await team.createTeam(teamName);
  const adminEmail = uniqueEmail("ada");
  const memberEmail = uniqueEmail("mo");
  const adminLink = await team.invite(adminEmail, "admin");
  await page.reload(); // the invite form shows one link at a time
  const memberLink = await team.invite(memberEmail, "member");
  expect(memberLink).not.toBe(adminLink);

  // The owner subscribes the team to Pro through the app's checkout (the emulator's hosted page),
  // as journey 4 does; the subscription's first invoice grants the included credits.
  const billing = new BillingPage(page);
  await billing.subscribePro();
  await billing.payOnCheckout("4242 4242 4242 4242");
  await page.waitForURL("**/settings/billing**");
  await expect(async () => {
    await billing.open();
    await billing.expectPlan("Pro");
  }).toPass({ timeout: 20_000 });
  const ownerUsage = new UsagePage(page);
  await expect(async () => {
    await ownerUsage.open();
    expect(await ownerUsage.available()).toBe(1_100_000);
  }).toPass({ timeout: 20_000 });

  const join = async (name: string, email: string, link: string) => {
    const context = await browser.newContext();
    const p = await context.newPage();
    await new AuthPages(p).signUp(name, email);
    await p.goto(link);
    await p.getByTestId("accept-invite").click();
    await p.waitForURL("**/settings/team");
    await switchTo(p, teamName);
    return { context, page: p };
  };
  const admin = await join("Ada Admin", adminEmail, adminLink);
  const member = await join("Mo Member", memberEmail, memberLink);

  // Use up the 100,000 signup + 1,000,000 included credits and go into overage.
  const keys = new ApiKeysPage(admin.page);
  await keys.open();
  const client = openaiClient(await keys.create("agent"), "agent.loop");
  let charged = 0;
  for (let i = 0; i < 16; i++) {
    charged += await chargedCompletion(client, { model: "mock-large", content: `[mock tokens=8192] step ${i}`, max_tokens: 8192 });
  }
  const overageUsed = charged - 1_100_000;
  expect(overageUsed).toBeGreaterThan(0);
  const usage = new UsagePage(admin.page);
  await usage.open();
  expect(await usage.available()).toBe(0);
  await expect(admin.page.getByTestId("usage-overage")).toBeVisible();
  await expect(admin.page.getByTestId("usage-projection")).toContainText("over the included quota");
  await snap(admin.page, "usage-05-pro-overage");

  // A hard limit cannot go below the overage already used: set it at exactly that, so nothing more fits.
  await usage.setLimits({ soft: "500000", hard: String(overageUsed) });
  await expect(admin.page.getByTestId("limits-history")).toContainText(`hard limit none → ${overageUsed.toLocaleString("en-US")}`);

  const refused = await client.chat.completions.create({ model: "standard", max_tokens: 16, messages: [{ role: "user", content: "one more" }] }).then(
    () => null,
    (e: { status?: number; code?: string }) => e,
  );
  expect(refused?.status).toBe(402);
  expect(refused?.code).toBe("hard_limit_reached");

  await usage.open();
  await expect(admin.page.getByTestId("limit-notice")).toHaveAttribute("data-kind", "hard_limit");
  await expect(admin.page.getByTestId("limits-hit")).toBeVisible();
  await expectAccessible(admin.page);
  await snap(admin.page, "usage-06-hard-limit-hit");

  // The member sees the limits read-only and no per-member/per-key breakdowns.
  const mu = new UsagePage(member.page);
  await mu.open();
  await expect(member.page.getByTestId("limits-readonly")).toBeVisible();
  await expect(member.page.getByTestId("limits-save")).toHaveCount(0);
  await expect(member.page.getByTestId("limits-hard")).toHaveAttribute("readonly", "");
  await expect(member.page.getByTestId("limits-hard")).toHaveValue(String(overageUsed));
  await expect(member.page.getByTestId("usage-by-member")).toHaveCount(0);
  await expect(member.page.getByTestId("limit-notice")).toBeVisible();
  await expectAccessible(member.page);
  await snap(member.page, "usage-07-member-readonly");

  await admin.context.close();
  await member.context.close();
});
