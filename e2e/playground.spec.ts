import { expect, test } from "@playwright/test";
import { AuthPages, uniqueEmail } from "./pages/auth";
import { PlaygroundPage, parseCredits } from "./pages/playground";

/**
 * The playground goes through the metered gateway with the session: a new account's 100 signup
 * credits, a preview before sending, and after the reply its cost and the balance minus that cost.
 * Needs an LLM upstream (the sandbox's mock LLM).
 */
test("playground: preview, reply with its cost, balance 100 − cost", async ({ page }) => {
  await new AuthPages(page).signUp("Play Ground", uniqueEmail("play"));
  const playground = new PlaygroundPage(page);
  await playground.open();
  await expect(playground.balance()).toHaveText("100");

  await playground.setMaxTokens(20);
  await playground.draft("Say something short");
  await expect(playground.estimate()).toContainText("Holds up to");
  const hold = parseCredits((await playground.estimate().textContent())!.split(";")[0]!);
  expect(hold).toBeGreaterThan(20);
  expect(hold).toBeLessThanOrEqual(100);

  await playground.send();
  await expect(playground.lastCost()).toContainText("credits");
  const cost = parseCredits((await playground.lastCost().textContent())!.split("credits")[0]!);
  expect(cost).toBeGreaterThan(0);
  expect(cost).toBeLessThanOrEqual(hold);
  await expect(playground.balance()).toHaveText(String(100 - cost));
});

test("playground: a draft that would hold more than the balance is flagged before sending", async ({ page }) => {
  await new AuthPages(page).signUp("Play Broke", uniqueEmail("broke"));
  const playground = new PlaygroundPage(page);
  await playground.open();
  await playground.setMaxTokens(500);
  await playground.draft("Write a long essay");
  await expect(playground.estimate()).toContainText("more than your balance");
});
