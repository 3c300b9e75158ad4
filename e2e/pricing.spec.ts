import { expect, test } from "@playwright/test";
import { AuthPages, uniqueEmail } from "./pages/auth";
import { expectAccessible, snap } from "./a11y";

test("pricing fits one screen: Free, Pro, packs, the posted ratio and per-model prices; the changelog lists dated changes", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto("/pricing");
  await expect(page.getByTestId("pricing-free")).toContainText("100,000 credits");
  await expect(page.getByTestId("pricing-pro")).toContainText("$29.00");
  await expect(page.getByTestId("pricing-pro")).toContainText("1,000,000 credits included");
  await expect(page.getByTestId("pricing-packs")).toContainText("2,000,000");
  await expect(page.getByTestId("pricing-ratio")).toContainText("1 credit = 1 token");
  await expect(page.getByTestId("pricing-models")).toContainText("mock-large");
  expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThanOrEqual(900);
  await expectAccessible(page);
  await snap(page, "pricing-01");

  await page.getByRole("link", { name: "Pricing changes" }).click();
  await expect(page.getByRole("heading", { name: "Pricing changes" })).toBeVisible();
  await expect(page.getByTestId("pricing-change").first()).toContainText("Existing customers");
  await expectAccessible(page);
  await snap(page, "pricing-02-changelog");

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/pricing");
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await snap(page, "pricing-03-mobile");
});

test("playground: cost preview from the estimate endpoint → (confirmation when expensive) → send → streamed reply → its cost and the new balance; multi-turn", async ({ page }) => {
  await new AuthPages(page).signUp("Pia Playground", uniqueEmail("pia"));
  await page.goto("/playground");
  await expect(page.getByTestId("playground-balance")).toHaveAttribute("data-value", "100000");
  await expect(page.getByText("No messages yet")).toBeVisible();
  await page.getByTestId("playground-prompt").fill("Write a haiku about invoices.");
  await expect(page.getByTestId("cost-preview")).toBeVisible();
  await page.getByTestId("playground-max-tokens").fill("100");
  await expect(page.getByTestId("cost-preview-max")).not.toHaveText("");
  await expect(page.getByTestId("playground-send")).toBeEnabled();
  await expectAccessible(page);
  await snap(page, "playground-01-preview");

  // Above the configured threshold the request needs an explicit confirmation; any edit asks again.
  await page.getByTestId("playground-model").selectOption("mock-large");
  await page.getByTestId("playground-max-tokens").fill("8000");
  await expect(page.getByTestId("playground-confirm")).toBeVisible();
  await expect(page.getByTestId("playground-send")).toBeDisabled();
  await page.getByTestId("playground-confirm").check();
  await expect(page.getByTestId("playground-send")).toBeEnabled();
  await page.getByTestId("playground-model").selectOption("standard");
  await page.getByTestId("playground-max-tokens").fill("64");
  await expect(page.getByTestId("playground-confirm")).toHaveCount(0);

  // The mock streams one token per 60 ms: the reply is seen growing before it is done.
  await page.getByTestId("playground-prompt").fill("[mock slow_ms=60 tokens=30] Write a haiku about invoices.");
  await expect(page.getByTestId("cost-preview-max")).not.toHaveText("");
  await expect(page.getByTestId("playground-send")).toBeEnabled();
  await page.getByTestId("playground-send").click();
  const reply = page.getByTestId("playground-reply").first();
  await expect(reply).toHaveAttribute("data-status", "streaming");
  await expect(reply).not.toHaveText("");
  await snap(page, "playground-02-streaming");
  await expect(reply).toHaveAttribute("data-status", "done", { timeout: 15_000 });
  const cost = reply.getByTestId("playground-reply-cost");
  await expect(cost).toContainText("Charged");
  const charged = Number(await cost.locator("[data-value]").first().getAttribute("data-value"));
  expect(charged).toBeGreaterThan(0);
  await expect(reply.getByTestId("playground-reply-balance")).toHaveAttribute("data-value", String(100_000 - charged));
  await expect(page.getByTestId("playground-balance")).toHaveAttribute("data-value", String(100_000 - charged));
  await expect(page.getByTestId("credit-bar-balance")).toHaveAttribute("data-value", String(100_000 - charged));
  await expectAccessible(page);
  await snap(page, "playground-03-reply");

  // Second turn: the conversation so far is sent again, so the preview counts more prompt tokens.
  await page.getByTestId("playground-prompt").fill("Now make it rhyme.");
  await expect(page.getByTestId("cost-preview")).toContainText(/\d+ prompt tokens/);
  await expect(page.getByTestId("playground-send")).toBeEnabled();
  await page.getByTestId("playground-send").click();
  await expect(page.getByTestId("playground-reply")).toHaveCount(2);
  await expect(page.getByTestId("playground-reply").nth(1)).toHaveAttribute("data-status", "done", { timeout: 15_000 });
  const second = Number(await page.getByTestId("playground-reply").nth(1).getByTestId("playground-reply-cost").locator("[data-value]").first().getAttribute("data-value"));
  await expect(page.getByTestId("playground-balance")).toHaveAttribute("data-value", String(100_000 - charged - second));
  await expectAccessible(page);
  await snap(page, "playground-04-two-turns");
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await snap(page, "playground-05-390");
});
