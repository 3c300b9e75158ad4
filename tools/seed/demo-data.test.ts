import { beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { createTestDb, type TestDb } from "@/tests/db";
import { journalSums } from "@/tests/helpers/ledger";
import { ctx } from "@/tests/helpers/fixtures";
import { accounts } from "@/db/schema";
import { getBillingOverview } from "@/lib/billing/overview";
import { catalog, type CreditPack } from "@/lib/config/catalog";
import { findModelPrice } from "@/lib/config/price-book";
import { creditsFor } from "@/lib/gateway/pricing";
import { getBalance } from "@/lib/ledger";
import { getUsageDashboard, type UsageDashboard } from "@/lib/usage/dashboard";
import { seedDemo, type SeedResult } from "./demo-data";

/**
 * `npm run seed` at small volume (90 days, a few requests a day) on a fresh database: the history
 * covers every day, the usage page equals the ledger, and billing tells the same story.
 */
const DAY_MS = 86_400_000;
const today = new Date().toISOString().slice(0, 10);
// End of today (UTC): every synthetic hour of today is before it, so each of the 90 days has traffic.
const now = new Date(`${today}T23:59:59Z`);
const day = (offsetDays: number) => new Date(Date.parse(`${today}T00:00:00Z`) + offsetDays * DAY_MS).toISOString().slice(0, 10);

let t: TestDb;
let r: SeedResult;
let teamId: string;
let ownerId: string;
let d: UsageDashboard;

beforeAll(async () => {
  t = await createTestDb();
  r = await seedDemo(t.db, { now, days: 90, baseRequests: 6 });
  teamId = r.teamId!;
  const [owner] = (await t.sql`select user_id from memberships where account_id = ${teamId} and role = 'owner'`) as unknown as { user_id: string }[];
  ownerId = owner!.user_id;
  d = await getUsageDashboard(t.db, ctx(teamId, ownerId, "owner"), now);
});

const sum = (rows: { chargedCredits: number }[] | null) => (rows ?? []).reduce((s, x) => s + x.chargedCredits, 0);

const journal = (accountId: string) => journalSums(t.db, accountId);

describe("seed (90 days, 6 base requests/day) on a test database", () => {
  it("usage_daily has exactly 90 distinct days, today − 89 … today, and each day's rollup = that day's receipts", async () => {
    expect(r.created).toBe(true);
    const days = (await t.sql`select distinct day::text as day from usage_daily where account_id = ${teamId} order by 1`) as unknown as { day: string }[];
    expect(days.length).toBe(90);
    expect(days[0]!.day).toBe(day(-89));
    expect(days.at(-1)!.day).toBe(day(0));

    const mismatches = await t.sql`
      with r as (select day, sum(requests)::bigint as requests, sum(charged_credits)::bigint as credits
                   from usage_daily where account_id = ${teamId} group by day),
           e as (select (created_at at time zone 'UTC')::date as day, count(*)::bigint as requests, sum(charged_credits)::bigint as credits
                   from usage_events where account_id = ${teamId} group by 1)
      select coalesce(r.day, e.day) as day from r full join e on r.day = e.day
       where r.requests is distinct from e.requests or r.credits is distinct from e.credits`;
    expect(mismatches).toHaveLength(0);
  });

  it("every receipt is priced by the price book: charged = creditsFor(model, tokens), 0 on a cache hit", async () => {
    const receipts = (await t.sql`select model, input_tokens, output_tokens, cache_hit, charged_credits from usage_events where account_id = ${teamId}`) as unknown as {
      model: string; input_tokens: number; output_tokens: number; cache_hit: boolean; charged_credits: string;
    }[];
    expect(receipts.length).toBe(r.requests);
    for (const x of receipts) {
      const price = findModelPrice(x.model);
      expect(price).toBeDefined();
      const expected = x.cache_hit ? 0 : creditsFor(price!, { inputTokens: Number(x.input_tokens), outputTokens: Number(x.output_tokens) });
      expect(Number(x.charged_credits)).toBe(expected);
    }
  });

  it("usage page = ledger: used = journal captures = Σ chart days in the period = Σ by action/model/member/key; available = journal balance", async () => {
    const j = await journal(teamId);
    expect(d.period.start.toISOString().slice(0, 10)).toBe(day(-12));
    expect(d.usedCredits).toBeGreaterThan(0);
    expect(d.usedCredits).toBe(j.capturedFromGrants + j.overageUsed);
    const periodDay = d.period.start.toISOString().slice(0, 10);
    expect(sum(d.daily.filter((p) => p.day >= periodDay))).toBe(d.usedCredits);
    expect(sum(d.byAction)).toBe(d.usedCredits);
    expect(sum(d.byModel)).toBe(d.usedCredits);
    expect(sum(d.byMember)).toBe(d.usedCredits);
    expect(sum(d.byApiKey)).toBe(d.usedCredits);

    const pack = (catalog.packs as readonly CreditPack[])[0]!;
    const granted = catalog.signupCredits + 250_000 + pack.credits;
    expect(d.availableCredits).toBe(granted - d.usedCredits);
    expect(d.availableCredits).toBe(j.remaining);
    expect(d.availableCredits).toBe((await getBalance(t.db, teamId)).availableCredits);
    expect(d.sources.reduce((s, x) => s + x.totalCredits, 0)).toBe(j.remaining);
  });

  it("the chart's 30 days before the period (history, receipts only) add up to the rollup's charged credits for those days", async () => {
    const periodDay = d.period.start.toISOString().slice(0, 10);
    const first = d.daily[0]!.day;
    const [row] = (await t.sql`select coalesce(sum(charged_credits), 0)::bigint as c from usage_daily
                                where account_id = ${teamId} and day >= ${first}::date and day < ${periodDay}::date`) as unknown as { c: string }[];
    expect(sum(d.daily.filter((p) => p.day < periodDay))).toBe(Number(row!.c));
    expect(Number(row!.c)).toBeGreaterThan(0);
  });

  it("billing tells the same story: the plan billing derives from subscriptions = the usage page's plan = accounts.plan; the pack is a paid purchase", async () => {
    const billing = await getBillingOverview(t.db, teamId);
    const [account] = await t.db.select({ plan: accounts.plan }).from(accounts).where(eq(accounts.id, teamId));
    expect(billing.plan.key).toBe(d.plan.key);
    expect(account!.plan).toBe(d.plan.key);
    // A paid plan must come with the subscription billing mirrors; a free one with none.
    expect(billing.subscription !== null).toBe(d.plan.stripe !== null);
    const pack = (catalog.packs as readonly CreditPack[])[0]!;
    expect(billing.purchases).toEqual([expect.objectContaining({ packKey: pack.key, credits: pack.credits, amountCents: pack.priceCents, status: "paid" })]);
    // At this volume the signup + promo credits (spent first) cover the period: the pack is untouched.
    expect(d.usedCredits).toBeLessThan(catalog.signupCredits + 250_000);
    expect(d.sources.find((s) => s.source === "purchased")?.totalCredits).toBe(pack.credits);
  });

  it("running the seed again changes nothing (idempotent)", async () => {
    const again = await seedDemo(t.db, { now, days: 90, baseRequests: 6 });
    expect(again.created).toBe(false);
    const [c] = (await t.sql`select count(*)::int as n from usage_events where account_id = ${teamId}`) as unknown as { n: number }[];
    expect(c!.n).toBe(r.requests);
  });
});
