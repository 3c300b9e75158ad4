import { describe, expect, it } from "vitest";
import { catalog, type CreditPack } from "@/lib/config/catalog";
import { STANDARD_MODEL_ID, TOKENS_PER_CREDIT_STANDARD, findModelPrice } from "@/lib/config/price-book";
import { pricingChangelog, type PricingChange, type PricingSubject } from "./pricing-changelog";

/**
 * The newest changelog entry of each subject describes today's price: its figures must be the
 * config's. Every expected figure is derived from lib/config (nothing hard-coded here), so a price
 * change without a matching changelog entry fails this test.
 */

/** Drops "(was …)" asides: previous prices are history, not claims about today. */
const current = (text: string) => text.replace(/\(was [^)]*\)/g, "");
const textOf = (e: PricingChange) => current(`${e.title} ${e.change}`);
const dollarsToCents = (s: string) => Math.round(Number(s.replace(/,/g, "")) * 100);
const integer = (s: string) => Number(s.replace(/,/g, ""));

function newestBySubject(): Map<PricingSubject, PricingChange> {
  const newest = new Map<PricingSubject, PricingChange>();
  for (const e of [...pricingChangelog].sort((a, b) => b.date.localeCompare(a.date))) {
    if (!newest.has(e.subject)) newest.set(e.subject, e);
  }
  return newest;
}
const newest = newestBySubject();
function newestOrThrow(subject: PricingSubject): PricingChange {
  const e = newest.get(subject);
  if (!e) throw new Error(`no changelog entry for ${subject}`);
  return e;
}

describe("pricing changelog: the newest entry of each subject matches the live config", () => {
  it("Pro overage: every '$X per N credits' in the current entry = catalog's centsPerUnit / unitCredits", () => {
    const overage = catalog.plans.pro.stripe.overage;
    const figures = [...textOf(newestOrThrow("pro_overage")).matchAll(/\$([\d,]+(?:\.\d+)?) per ([\d,]+) credits/g)];
    expect(figures.length).toBeGreaterThan(0);
    for (const [, dollars, credits] of figures) {
      // Compare as exact ratios: cents × unitCredits = centsPerUnit × credits.
      expect(dollarsToCents(dollars!) * overage.unitCredits).toBe(overage.centsPerUnit * integer(credits!));
    }
  });

  it("Pro overage: the plan's tagline and the ledger's cents per 1,000 credits state the same price as Stripe's", () => {
    const pro = catalog.plans.pro;
    const centsPerMillion = (pro.stripe.overage.centsPerUnit * 1_000_000) / pro.stripe.overage.unitCredits;
    expect(pro.overagePriceCentsPer1000Credits * 1000).toBe(centsPerMillion);
    const tagline = /then \$([\d,]+(?:\.\d+)?) per ([\d,]+) credits/.exec(pro.tagline);
    expect(tagline).not.toBeNull();
    expect(dollarsToCents(tagline![1]!) * 1_000_000).toBe(centsPerMillion * integer(tagline![2]!));
  });

  it("packs: the current entry lists exactly the catalog's packs as 'NM ($P)'", () => {
    const listed = [...textOf(newestOrThrow("packs")).matchAll(/(\d+(?:\.\d+)?)M \(\$([\d,]+(?:\.\d+)?)\)/g)].map(([, millions, dollars]) => ({
      credits: Math.round(Number(millions) * 1_000_000),
      priceCents: dollarsToCents(dollars!),
    }));
    const configured = (catalog.packs as readonly CreditPack[]).map((p) => ({ credits: p.credits, priceCents: p.priceCents }));
    expect(listed).toEqual(configured);
  });

  it("models: each model's current entry says 'A credits per input token and B per output token' = price book per-1K ÷ 1000", () => {
    const modelSubjects = [...newest.keys()].filter((s) => s.startsWith("model:"));
    expect(modelSubjects.length).toBeGreaterThan(0);
    for (const subject of modelSubjects) {
      const price = findModelPrice(subject.slice("model:".length));
      expect(price, `${subject} is not in the price book`).toBeDefined();
      const figures = [...textOf(newestOrThrow(subject)).matchAll(/(\d+(?:\.\d+)?) credits per input token and (\d+(?:\.\d+)?) per output token/g)];
      expect(figures.length).toBeGreaterThan(0);
      for (const [, input, output] of figures) {
        expect(Number(input) * 1000).toBe(price!.inputCreditsPer1K);
        expect(Number(output) * 1000).toBe(price!.outputCreditsPer1K);
      }
    }
  });

  it("credit ratio: the entry states catalog.creditRatio, and 'N credit(s) per token in and out' = the standard model's price", () => {
    const entry = newestOrThrow("credit_ratio");
    expect(textOf(entry)).toContain(catalog.creditRatio);
    const standard = findModelPrice(STANDARD_MODEL_ID)!;
    const figures = [...textOf(entry).matchAll(/(\d+) credits? per token in and out/g)];
    expect(figures.length).toBeGreaterThan(0);
    for (const [, credits] of figures) {
      expect(Number(credits) * 1000).toBe(standard.inputCreditsPer1K);
      expect(Number(credits) * 1000).toBe(standard.outputCreditsPer1K);
      expect(Number(credits)).toBe(1 / TOKENS_PER_CREDIT_STANDARD);
    }
  });

  it("every entry has an ISO date, and a model subject names a model in the price book", () => {
    for (const e of pricingChangelog) {
      expect(e.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      if (e.subject.startsWith("model:")) expect(findModelPrice(e.subject.slice("model:".length))).toBeDefined();
    }
  });
});
