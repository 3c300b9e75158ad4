/**
 * Every pricing change, newest first, with what it did to existing customers. /pricing/changelog
 * renders this file; add an entry in the same commit that changes lib/config/catalog.ts or
 * lib/config/price-book.ts.
 *
 * The entries below are illustrative starter content: a forker replaces them with their own history.
 *
 * The newest entry of each `subject` describes today's price, and content/pricing-changelog.test.ts
 * checks its figures against the config. Conventions the test relies on: a previous price goes in
 * parentheses starting with "(was" (history, not checked); the current figures use the phrasing of
 * the entries below ("$10 per 1,000,000 credits", "2M ($10)", "3 credits per input token and 9 per
 * output token", "1 credit per token in and out").
 */
export type PricingChange = {
  /** ISO date the change took effect. */
  date: string;
  title: string;
  /** What changed, in numbers. */
  change: string;
  /** What it means for customers who were already paying. */
  effectOnExisting: string;
  kind: "price_increase" | "price_decrease" | "new" | "policy";
  /** Which price the entry sets: "pro_overage", "packs", "credit_ratio" or "model:<price-book id>". */
  subject: PricingSubject;
};

export type PricingSubject = "pro_overage" | "packs" | "credit_ratio" | `model:${string}`;

export const pricingChangelog: PricingChange[] = [
  {
    date: "2026-11-01",
    title: "mock-large: 3 credits per input token and 9 per output token",
    change: "The large model costs 3 credits per input token and 9 per output token (was 2 and 6).",
    effectOnExisting: "Requests already in flight keep the old price. Credits you hold do not change; they buy fewer large-model tokens from Nov 1.",
    kind: "price_increase",
    subject: "model:mock-large",
  },
  {
    date: "2026-09-15",
    title: "Pro overage halved to $10 per 1,000,000 credits",
    change: "Overage on Pro is $10 per 1,000,000 credits (was $20).",
    effectOnExisting: "Applies from your next billing period; the invoice for the current period uses the new rate for all overage after Sep 15.",
    kind: "price_decrease",
    subject: "pro_overage",
  },
  {
    date: "2026-07-01",
    title: "Credit packs",
    change: "Prepaid packs of 2M ($10), 10M ($45) and 50M ($200) credits. Purchased credits never expire.",
    effectOnExisting: "None: packs are optional. Purchased credits are spent after free and included credits.",
    kind: "new",
    subject: "packs",
  },
  {
    date: "2026-05-20",
    title: "Posted ratio: 1 credit = 1 token of the standard model",
    change: "All prices are posted in credits; the standard model costs 1 credit per token in and out.",
    effectOnExisting: "Balances were converted at the same value; nobody's balance bought fewer tokens.",
    kind: "policy",
    subject: "credit_ratio",
  },
];
