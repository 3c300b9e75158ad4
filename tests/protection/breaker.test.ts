import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { createTestDb, type TestDb } from "@/tests/db";
import { call } from "@/tests/helpers/fixtures";
import { startHttpReceiver } from "@/tests/helpers/http-receiver";
import { eventually, makePayingAccount, rawCall, startGatewayRig } from "@/lib/gateway/test/harness";
import { accounts, auditLog, breakerTrips, emailOutbox, notificationDeliveries, notifications, usageDaily } from "@/db/schema";
import { createApiKey } from "@/lib/api-keys/keys";
import { resetBreakerForTests, resetProtectionConfigForTests } from "@/lib/protection";
import * as resumeRoute from "@/app/api/v1/protection/resume/route";
import * as statusRoute from "@/app/api/v1/protection/route";

let t: TestDb;
let slack: Awaited<ReturnType<typeof startHttpReceiver>>;
let clock = Date.now();

beforeAll(async () => {
  t = await createTestDb();
  slack = await startHttpReceiver();
  await startGatewayRig({
    BREAKER_SPEND_MULTIPLE: "10",
    BREAKER_BASELINE_FLOOR_CREDITS_PER_HOUR: "100", // new accounts: trip past 1,000 credits in an hour
    BREAKER_LOOP_REPEATS: "5",
    BREAKER_LOOP_WINDOW_SECONDS: "60",
    BREAKER_CAUTIOUS_MINUTES: "30",
    BREAKER_CAUTIOUS_REQUESTS_PER_MINUTE: "2",
    NOTIFY_LOW_BALANCE_CREDITS: "0",
    SLACK_WEBHOOK_URL: slack.url,
    ADMIN_EMAILS: "ops@platform.test",
  });
  resetProtectionConfigForTests();
});
afterAll(() => slack.close());
beforeEach(() => {
  clock = Date.now();
  resetBreakerForTests({ now: () => clock });
});

const WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima"];
/** ~310 credits each (prompt ≈ 10 tokens + 300 output tokens at 1 credit), all different requests. */
const varied = (i: number) => ({ model: "standard", messages: [{ role: "user", content: `Write about ${WORDS[i % WORDS.length]} ${WORDS[(i * 7 + 3) % WORDS.length]} [mock tokens=300]` }], max_tokens: 400 });
const charged = async (accountId: string) =>
  Number(((await t.db.execute(sql`select coalesce(sum(charged_credits), 0)::bigint as c from usage_events where account_id = ${accountId}`)) as unknown as { c: string }[])[0]!.c);

describe("circuit breaker through the gateway", () => {
  it("agent loop: 5 near-identical requests in 60 s from one key → the 5th is refused 403, the key stays paused, nothing more is billed; another key still works", async () => {
    const a = await makePayingAccount(t.db, 100_000);
    const statuses: number[] = [];
    for (let i = 1; i <= 8; i++) {
      clock += 2_000;
      const res = await rawCall("/chat/completions", { apiKey: a.apiKey, body: { model: "standard", messages: [{ role: "user", content: `Try step ${i} again [mock tokens=5]` }], max_tokens: 20 } });
      statuses.push(res.status);
      if (res.status === 403) {
        const body = (await res.json()) as { error: { message: string; code: string } };
        expect(body.error.message).toMatch(/5 near-identical requests within 60 seconds/);
        expect(body.error.message).toMatch(/\/settings\/protection/);
      } else await res.text();
    }
    expect(statuses).toEqual([200, 200, 200, 200, 403, 403, 403, 403]);
    const [row] = (await t.db.execute(sql`select count(*)::int as n from usage_events where account_id = ${a.accountId}`)) as unknown as { n: number }[];
    expect(row!.n).toBe(4);
    const trip = await eventually(async () => (await t.db.select().from(breakerTrips).where(eq(breakerTrips.accountId, a.accountId)))[0]);
    expect(trip).toMatchObject({ scope: "api_key", apiKeyId: a.apiKeyId, cause: "agent_loop", resumedAt: null });

    const { secret } = await createApiKey(t.db, a.owner, "second key");
    const other = await rawCall("/chat/completions", { apiKey: secret, body: varied(1) });
    expect(other.status).toBe(200);
  });

  it("spend spike on a new account (floor 100/h × 10 = 1,000 credits/h): trips on the first capture past 1,000, freezes the account, stops billing, alerts owner + admins + Slack", async () => {
    const a = await makePayingAccount(t.db, 100_000);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      clock += 1_000;
      const res = await rawCall("/chat/completions", { apiKey: a.apiKey, body: varied(i) });
      statuses.push(res.status);
      if (res.status === 403) expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/credits in the last hour, \d+× its typical 100 credits per hour \(the limit is 10×\)/);
      else await res.text();
      if (res.status === 200) await new Promise((r) => setTimeout(r, 20)); // the baseline loads in the background
    }
    const firstRefusal = statuses.indexOf(403);
    expect(firstRefusal).toBeGreaterThanOrEqual(3); // 3 × ~310 ≤ 1,000
    expect(firstRefusal).toBeLessThanOrEqual(4);
    expect(statuses.slice(firstRefusal).every((s) => s === 403)).toBe(true);
    const spent = await charged(a.accountId);
    expect(spent).toBeGreaterThan(1_000);
    expect(spent).toBeLessThan(1_000 + 400); // billing stopped at the capture that tripped it

    const [acc] = await eventually(async () => {
      const rows = await t.db.select().from(accounts).where(and(eq(accounts.id, a.accountId), eq(accounts.status, "frozen")));
      return rows.length ? rows : null;
    });
    expect(acc!.statusReason).toMatch(/Circuit breaker tripped/);
    const ntf = await eventually(async () => (await t.db.select().from(notifications).where(and(eq(notifications.accountId, a.accountId), eq(notifications.kind, "breaker_tripped"))))[0]);
    const deliveries = await eventually(async () => {
      const rows = await t.db.select().from(notificationDeliveries).where(eq(notificationDeliveries.notificationId, ntf.id));
      return rows.length === 3 && rows.every((d) => d.status === "sent") ? rows : null;
    });
    expect(deliveries.map((d) => `${d.channel}:${d.recipient}`).sort()).toEqual(["email:ops@platform.test", `email:${(await ownerEmail(a.userId))}`, "slack:slack"].sort());
    expect(slack.received.some((r) => JSON.stringify(r.json).includes(a.accountId))).toBe(true);
    const mails = await t.db.select().from(emailOutbox).where(eq(emailOutbox.toAddress, "ops@platform.test"));
    expect(mails.some((m) => m.textBody.includes(a.accountId))).toBe(true);

    // Still nothing billed, whatever the client does.
    for (let i = 0; i < 3; i++) expect((await rawCall("/chat/completions", { apiKey: a.apiKey, body: varied(i + 20) })).status).toBe(403);
    expect(await charged(a.accountId)).toBe(spent);

    // Resume (owner, with a reason) → cautious mode: 2 requests a minute for 30 minutes, then normal.
    const member = await makePayingAccount(t.db, 0);
    const refused = await call(resumeRoute.POST, { method: "POST", cookie: member.cookie, headers: { "x-account-id": a.accountId }, body: { reason: "not mine" } });
    expect(refused.status).toBe(404);
    const resumed = await call(resumeRoute.POST, { method: "POST", cookie: a.cookie, body: { reason: "our batch job looped; fixed" } });
    expect(resumed.status).toBe(200);
    expect(await resumed.json()).toMatchObject({ resumed: 1 });
    const [after] = await t.db.select().from(accounts).where(eq(accounts.id, a.accountId));
    expect(after!.status).toBe("active");
    const status = await (await call(statusRoute.GET, { cookie: a.cookie })).json();
    expect(status.openTrips).toEqual([]);
    expect(new Date(status.cautiousUntil).getTime()).toBe(clock + 30 * 60_000);

    clock += 60_000;
    const cautious = [];
    for (let i = 0; i < 3; i++) cautious.push(await rawCall("/chat/completions", { apiKey: a.apiKey, body: varied(i + 30) }));
    expect(cautious.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(((await cautious[2]!.json()) as { error: { message: string } }).error.message).toMatch(/cautious mode .* up to 2 requests per minute/);
    clock += 60_000;
    expect((await rawCall("/chat/completions", { apiKey: a.apiKey, body: { ...varied(40), messages: [{ role: "user", content: "small [mock tokens=3]" }] } })).status).toBe(200);
    clock += 30 * 60_000;
    const normal = [];
    for (let i = 0; i < 3; i++) normal.push((await rawCall("/chat/completions", { apiKey: a.apiKey, body: { model: "standard", messages: [{ role: "user", content: `${WORDS[i]} [mock tokens=3]` }] } })).status);
    expect(normal).toEqual([200, 200, 200]);
    const audits = await t.db.select().from(auditLog).where(eq(auditLog.accountId, a.accountId));
    expect(audits.map((x) => x.action)).toEqual(expect.arrayContaining(["breaker.tripped", "breaker.resumed"]));
    expect(audits.find((x) => x.action === "breaker.resumed")!.reason).toBe("our batch job looped; fixed");
  });

  it("heavy but steady: the same traffic on an account whose history is 2,000 credits/hour (limit 20,000) does not trip", async () => {
    const a = await makePayingAccount(t.db, 100_000);
    const today = new Date(clock).toISOString().slice(0, 10);
    // Seven days of history in the daily rollup (the baseline's source): 48,000 credits a day.
    for (let d = 1; d <= 7; d++) {
      const day = new Date(Date.parse(today) - d * 86_400_000).toISOString().slice(0, 10);
      await t.db.insert(usageDaily).values({ accountId: a.accountId, day, action: null, model: "standard", userId: a.userId, apiKeyId: a.apiKeyId, requests: 1000, cacheHits: 0, chargedCredits: 48_000, overageCredits: 0, includedCredits: 0, inputTokens: 24_000, outputTokens: 24_000 });
    }
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      clock += 1_000;
      const res = await rawCall("/chat/completions", { apiKey: a.apiKey, body: varied(i) });
      statuses.push(res.status);
      await res.text();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
    expect(await charged(a.accountId)).toBeGreaterThan(2_000);
    expect(await t.db.select().from(breakerTrips).where(eq(breakerTrips.accountId, a.accountId))).toEqual([]);
  });

  it("a member cannot resume (403); signed out → 401", async () => {
    const a = await makePayingAccount(t.db, 0);
    const m = await makePayingAccount(t.db, 0);
    await t.db.execute(sql`insert into memberships (account_id, user_id, role) values (${a.accountId}, ${m.userId}, 'member')`);
    const res = await call(resumeRoute.POST, { method: "POST", cookie: m.cookie, headers: { "x-account-id": a.accountId }, body: { reason: "please" } });
    expect(res.status).toBe(403);
    expect((await call(resumeRoute.POST, { method: "POST", body: { reason: "please" } })).status).toBe(401);
  });
});

async function ownerEmail(userId: string): Promise<string> {
  const [row] = (await t.db.execute(sql`select email from users where id = ${userId}`)) as unknown as { email: string }[];
  return row!.email.toLowerCase();
}
