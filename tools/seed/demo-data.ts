/**
 * The demo team `npm run seed` creates: three people, three API keys, a 30-day period 12 days in,
 * the signup credits, a promo and a purchased credit pack, and 90 days of traffic.
 *
 * The team is on Free: a Pro plan needs a Stripe subscription (billing mirrors it in
 * billing_subscriptions and derives the plan from it), and a seed cannot create one without the
 * Stripe sandbox running — a Pro account without it would make the billing page contradict the
 * usage page. The pack is bought the way billing records one (a billing_purchases row fulfilled
 * by fulfilPurchase), so billing history, balance and ledger agree. Subscribe from
 * /settings/billing to see Pro.
 *
 * The current period's requests go through the ledger for real (reserve → capture), so the
 * balance, the journal and the usage page agree; their timestamps are then spread over the
 * period's days and the daily rollup rebuilt from the receipts. Older days are written as
 * receipts only: those periods are closed (and would have been invoiced), so they are history
 * for the charts, not balance movements.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { memberships, usageEvents } from "@/db/schema";
import { createApiKey } from "@/lib/api-keys/keys";
import { createTeam } from "@/lib/accounts/teams";
import { createUserWithPersonalAccount, findUserByEmail } from "@/lib/accounts/users";
import { hashPassword } from "@/lib/auth/local/password";
import { fulfilPurchase, recordPendingPurchase } from "@/lib/billing/purchases";
import { catalog, type CreditPack } from "@/lib/config/catalog";
import { capture, grant, reserve, startPeriod } from "@/lib/ledger";
import { prng, requestsForDay, type SyntheticRequest } from "./usage-history";

const DAY_MS = 86_400_000;
export const DEMO_PASSWORD = "meterline-demo";
export const DEMO_USERS = [
  { email: "owner@demo.meterline.test", name: "Dana Okafor", role: "owner" as const },
  { email: "admin@demo.meterline.test", name: "Ari Lindqvist", role: "admin" as const },
  { email: "member@demo.meterline.test", name: "Mel Tanaka", role: "member" as const },
];

export type SeedResult = { created: boolean; teamId: string | null; apiKeySecret: string | null; requests: number; currentPeriodRequests: number };

export async function seedDemo(db: Db, options: { now?: Date; days?: number; baseRequests?: number; log?: (s: string) => void } = {}): Promise<SeedResult> {
  const log = options.log ?? (() => {});
  const now = options.now ?? new Date();
  const days = options.days ?? 90;
  const baseRequests = options.baseRequests ?? 160;
  if (await findUserByEmail(db, DEMO_USERS[0]!.email)) {
    log("Demo data already present (delete .data to start over).");
    return { created: false, teamId: null, apiKeySecret: null, requests: 0, currentPeriodRequests: 0 };
  }

  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const people = [];
  for (const u of DEMO_USERS) people.push({ ...u, ...(await createUserWithPersonalAccount(db, { email: u.email, name: u.name, passwordHash })) });
  const owner = people[0]!;
  const team = await createTeam(db, owner.user.id, "Acme AI");
  for (const p of people.slice(1)) await db.insert(memberships).values({ accountId: team.id, userId: p.user.id, role: p.role });
  const ownerCtx = { accountId: team.id, userId: owner.user.id, role: "owner" as const, via: "session" as const };
  const keys = [];
  for (const name of ["Production agent", "Staging", "Eval runner"]) keys.push(await createApiKey(db, ownerCtx, name));

  // Free, 12 days into a 30-day period; a promo and a purchased pack on top of the signup credits.
  const todayStart = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`);
  const periodStart = new Date(todayStart - 12 * DAY_MS);
  await startPeriod(db, team.id, { start: periodStart, end: new Date(periodStart.getTime() + catalog.defaultPeriodDays * DAY_MS) });
  await grant(db, { accountId: team.id, kind: "promo", credits: 250_000, sourceRef: `seed:promo:${team.id}`, expiresAt: new Date(todayStart + 20 * DAY_MS), reason: "launch promo" });
  const pack = (catalog.packs as readonly CreditPack[])[0]!;
  const purchaseId = `cs_seed_${team.id}`;
  await recordPendingPurchase(db, { id: purchaseId, accountId: team.id, kind: "checkout", pack });
  await fulfilPurchase(db, { purchaseId, paymentIntentId: null, amountPaidCents: pack.priceCents });

  const rand = prng(42);
  const who = { userIds: people.map((p) => p.user.id), apiKeyIds: keys.map((k) => k.key.id) };
  const history: SyntheticRequest[] = [];
  const current: SyntheticRequest[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const day = new Date(todayStart - i * DAY_MS);
    const scale = 0.55 + 0.45 * ((days - i) / days); // slow growth over the quarter
    const reqs = requestsForDay(rand, day, who, { baseRequests, scale, until: now });
    (day.getTime() >= periodStart.getTime() ? current : history).push(...reqs);
  }

  log(`Writing ${history.length} receipts for the ${days - 12} days before this period…`);
  let n = 0;
  for (let i = 0; i < history.length; i += 1000) {
    await db.insert(usageEvents).values(
      history.slice(i, i + 1000).map((r) => ({
        accountId: team.id,
        requestId: `req_seed_h${++n}`,
        userId: r.userId,
        apiKeyId: r.apiKeyId,
        action: r.action,
        model: r.model,
        inputTokens: r.inputTokens,
        outputTokens: r.outputTokens,
        cachedTokens: r.cacheHit ? r.inputTokens : 0,
        cacheHit: r.cacheHit,
        status: "succeeded",
        latencyMs: r.latencyMs,
        heldCredits: r.credits,
        requestedCredits: r.credits,
        chargedCredits: r.credits,
        cappedCredits: 0,
        overageCredits: 0,
        includedCredits: 0, // Free: no plan allowance, so nothing is "included" (as capture would record)
        grants: [],
        createdAt: r.at,
      })),
    );
  }

  log(`Charging ${current.length} requests of this period through the ledger…`);
  const spread: { requestId: string; at: Date }[] = [];
  for (let i = 0; i < current.length; i += 16) {
    await Promise.all(
      current.slice(i, i + 16).map(async (r, j) => {
        const requestId = `req_seed_c${i + j + 1}`;
        const meta = { userId: r.userId, apiKeyId: r.apiKeyId, action: r.action, model: r.model };
        await reserve(db, { accountId: team.id, requestId, credits: r.credits, meta });
        await capture(db, {
          accountId: team.id,
          requestId,
          credits: r.credits,
          usage: { ...meta, inputTokens: r.inputTokens, outputTokens: r.outputTokens, cachedTokens: r.cacheHit ? r.inputTokens : 0, cacheHit: r.cacheHit, latencyMs: r.latencyMs },
        });
        spread.push({ requestId, at: r.at });
      }),
    );
  }
  await db.transaction(async (tx) => {
    for (let i = 0; i < spread.length; i += 500) {
      const chunk = spread.slice(i, i + 500);
      await tx.execute(sql`
        update usage_events e set created_at = v.at::timestamptz
          from (select unnest(${`{${chunk.map((c) => c.requestId).join(",")}}`}::text[]) as rid,
                       unnest(${`{${chunk.map((c) => c.at.toISOString()).join(",")}}`}::text[]) as at) v
         where e.account_id = ${team.id} and e.request_id = v.rid`);
    }
    await rebuildDailyRollup(tx as unknown as Db, team.id);
  });

  const [count] = await db.select({ c: sql<number>`count(*)::int` }).from(usageEvents).where(and(eq(usageEvents.accountId, team.id)));
  return { created: true, teamId: team.id, apiKeySecret: keys[0]!.secret, requests: count!.c, currentPeriodRequests: current.length };
}

/** Recomputes one account's usage_daily from its receipts (seed only: capture maintains it live). */
export async function rebuildDailyRollup(db: Db, accountId: string): Promise<void> {
  await db.execute(sql`delete from usage_daily where account_id = ${accountId}`);
  await db.execute(sql`
    insert into usage_daily (account_id, day, action, model, user_id, api_key_id, requests, cache_hits,
                             charged_credits, overage_credits, included_credits, input_tokens, output_tokens)
    select account_id, (created_at at time zone 'UTC')::date, action, model, user_id, api_key_id,
           count(*), count(*) filter (where cache_hit), sum(charged_credits), sum(overage_credits),
           sum(included_credits), sum(input_tokens), sum(output_tokens)
      from usage_events where account_id = ${accountId}
     group by 1, 2, 3, 4, 5, 6`);
}
