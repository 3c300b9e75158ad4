import { expect, test } from "@playwright/test";
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
