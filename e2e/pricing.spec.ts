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

test("playground: the cost preview comes from the estimate endpoint before sending; an expensive request needs a confirmation", async ({ page }) => {
  await new AuthPages(page).signUp("Pia Playground", uniqueEmail("pia"));
  await page.goto("/playground");
  await page.getByTestId("playground-prompt").fill("Write a haiku about invoices.");
  await expect(page.getByTestId("cost-preview")).toBeVisible();
  await page.getByTestId("playground-max-tokens").fill("100");
  await expect(page.getByTestId("cost-preview-max")).not.toHaveText("");
  await expect(page.getByTestId("playground-send")).toBeEnabled();
  await expectAccessible(page);
  await snap(page, "playground-01-preview");

  await page.getByTestId("playground-model").selectOption("mock-large");
  await page.getByTestId("playground-max-tokens").fill("8000");
  await expect(page.getByTestId("playground-confirm")).toBeVisible();
  await expect(page.getByTestId("playground-send")).toBeDisabled();
  await page.getByTestId("playground-confirm").check();
  await expect(page.getByTestId("playground-send")).toBeEnabled();
  await page.getByTestId("playground-model").selectOption("standard");
  await page.getByTestId("playground-max-tokens").fill("64");
  await expect(page.getByTestId("playground-send")).toBeEnabled();
  await page.getByTestId("playground-send").click();
  await expect(page.getByTestId("playground-reply")).toContainText("Charged");
  await snap(page, "playground-02-reply");
});
