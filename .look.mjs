import { chromium } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
const base = process.env.BASE ?? "http://localhost:3171";
const email = process.env.EMAIL ?? "owner@demo.meterline.test";
const pages = (process.env.PAGES ?? "/settings/usage").split(",");
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
for (const width of [1280, 390]) {
  const ctx = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(base + "/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("meterline-demo");
  await page.getByTestId("sign-in-submit").click();
  await page.waitForURL("**/dashboard");
  const sw = page.getByTestId("account-switcher");
  const team = await sw.locator("option", { hasText: "Acme AI" }).getAttribute("value");
  if (team) { await sw.selectOption(team); await page.waitForTimeout(1500); }
  for (const p of pages) {
    const t0 = Date.now();
    await page.goto(base + p);
    await page.waitForLoadState("load"); await page.waitForTimeout(800);
    console.log(width, p, "loaded in", Date.now() - t0, "ms");
    const name = p.replace(/\W+/g, "_") + "_" + width + (process.env.TAG ?? "");
    if (width === 1280) {
      const r = await new AxeBuilder({ page }).analyze();
      for (const v of r.violations) console.log("  axe", v.impact, v.id, v.nodes.map(n => n.target.join(" ")).slice(0,3).join(" | "));
      const bar = page.locator(".recharts-bar-rectangle").nth(-3);
      if (await bar.count()) { await bar.hover(); await page.waitForTimeout(300); await page.screenshot({ path: `/tmp/shots/${name}_hover.png` }); }
    }
    await page.screenshot({ path: `/tmp/shots/${name}.png`, fullPage: true });
  }
  await ctx.close();
}
await browser.close();
