import { expect, test, type Page } from "@playwright/test";
import { AuthPages, uniqueEmail } from "./pages/auth";
import { expectAccessible, snap } from "./a11y";

/**
 * The playground goes through the metered gateway with the session: a new account's signup
 * credits, a cost preview from /api/v1/estimate before sending, a streamed reply with its cost,
 * and the balance minus that cost. Needs the sandbox's mock LLM.
 */

type EstimateBody = { model: string; max_tokens: number; messages: { role: "user" | "assistant"; content: string }[] };

/** The cost preview's numbers equal /api/v1/estimate's answer for the same request body. */
async function expectPreviewMatchesEstimate(page: Page, body: EstimateBody) {
  const res = await page.request.post("/api/v1/estimate", { data: body });
  expect(res.status()).toBe(200);
  const est = (await res.json()) as { input_tokens: number; max_output_tokens: number; hold_credits: number; likely_credits: { min: number; max: number } };
  await expect(page.getByTestId("cost-preview-min")).toHaveAttribute("data-value", String(est.likely_credits.min));
  await expect(page.getByTestId("cost-preview-max")).toHaveAttribute("data-value", String(est.likely_credits.max));
  await expect(page.getByTestId("cost-preview-hold")).toHaveAttribute("data-value", String(est.hold_credits));
  await expect(page.getByTestId("cost-preview-input-tokens")).toHaveAttribute("data-value", String(est.input_tokens));
  await expect(page.getByTestId("cost-preview-max-output")).toHaveAttribute("data-value", String(body.max_tokens));
  expect(est.max_output_tokens).toBe(body.max_tokens);
}

test("playground: cost preview from the estimate endpoint → (confirmation when expensive) → send → streamed reply → its cost and the new balance; multi-turn", async ({ page }) => {
  await new AuthPages(page).signUp("Pia Playground", uniqueEmail("pia"));
  await page.goto("/playground");
  await expect(page.getByTestId("playground-balance")).toHaveAttribute("data-value", "100000");
  await expect(page.getByText("No messages yet")).toBeVisible();
  await page.getByTestId("playground-prompt").fill("Write a haiku about invoices.");
  await expect(page.getByTestId("cost-preview")).toBeVisible();
  await page.getByTestId("playground-max-tokens").fill("100");
  await expect(page.getByTestId("cost-preview-max")).not.toHaveText("");
  // The preview shows what the estimate endpoint answers for the same body (asked here with the
  // page's own session cookie); toHaveAttribute retries until the debounced preview has caught up.
  await expectPreviewMatchesEstimate(page, { model: "standard", max_tokens: 100, messages: [{ role: "user", content: "Write a haiku about invoices." }] });
  await expect(page.getByTestId("playground-send")).toBeEnabled();
  await expectAccessible(page);
  await snap(page, "playground-01-preview");

  // Above the configured threshold the request needs an explicit confirmation; any edit asks again.
  await page.getByTestId("playground-model").selectOption("mock-large");
  await page.getByTestId("playground-max-tokens").fill("8000");
  await expectPreviewMatchesEstimate(page, { model: "mock-large", max_tokens: 8000, messages: [{ role: "user", content: "Write a haiku about invoices." }] });
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
