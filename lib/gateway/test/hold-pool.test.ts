import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/db";
import { makeUser } from "@/tests/helpers/fixtures";
import { asPlatformAdminOr404, type PlatformAdmin } from "@/lib/admin/authz";
import { setCustomerStatus } from "@/lib/admin/actions";
import { createApiKey, revokeApiKey } from "@/lib/api-keys/keys";
import { resetGatewayConfigForTests } from "@/lib/config/gateway";
import { checkLedgerInvariants } from "@/lib/ledger";
import { setBreakerEnabled } from "@/lib/protection/defaults";
import { getUsageDashboard } from "@/lib/usage/dashboard";
import type { MockLlm } from "@/tools/mock-llm";
import { drainHoldPools, pooledHoldsInProcess, resetHoldPoolsForTests } from "../hold-pool";
import { countPromptTokens } from "../tokens";
import { balanceAfter, eventually, makeAccountWithExactly, makePayingAccount, rawCall, receiptAfter, startGatewayRig } from "./harness";

/**
 * The hold pool (lib/gateway/hold-pool.ts) through the real route handler, the real ledger and the
 * mock LLM: a busy key's requests are served on holds placed ahead of them, and every rule that
 * keeps that safe — grants only, never the last of them, released on freeze, revoke, age and
 * shutdown — shows in the database.
 */
let t: TestDb;
let mock: MockLlm;
let admin: PlatformAdmin;

beforeAll(async () => {
  t = await createTestDb({ max: 20 });
  ({ mock } = await startGatewayRig({ GATEWAY_RATE_LIMIT_RPS: "0", GATEWAY_HOLD_POOL_SIZE: "2", GATEWAY_HOLD_POOL_MAX_AGE_MS: "5000", GATEWAY_HOLD_POOL_KEEP_AVAILABLE: "100" }));
  const ops = await makeUser(t.db, "Ops");
  admin = asPlatformAdminOr404({ userId: ops.user.id, email: "ops@platform.test", isPlatformAdmin: true } as Parameters<typeof asPlatformAdminOr404>[0]);
});
afterEach(async () => {
  await drainHoldPools();
});

async function configurePool(env: Record<string, string>): Promise<void> {
  await resetHoldPoolsForTests();
  Object.assign(process.env, env);
  resetGatewayConfigForTests();
}

const CONTENT = "Pooled [mock tokens=20]";
/** What one such request holds and is charged: its prompt plus the 20 tokens it asks for and gets. */
const H = countPromptTokens([{ role: "user", content: CONTENT }]) + 20;
const body = { model: "standard", messages: [{ role: "user", content: CONTENT }], max_tokens: 20 };

type Sent = { status: number; requestId: string; charged: number; held: number; sentAt: Date; errorType?: string };
async function send(apiKey: string, extra: Record<string, unknown> = {}): Promise<Sent> {
  const sentAt = new Date();
  const res = await rawCall("/chat/completions", { apiKey, body: { ...body, ...extra } });
  const json = (await res.json()) as { error?: { type: string } };
  return {
    status: res.status,
    requestId: res.headers.get("x-request-id")!,
    charged: Number(res.headers.get("x-credits-charged")),
    held: Number(res.headers.get("x-credits-held")),
    sentAt,
    errorType: json.error?.type,
  };
}

type HoldRow = { request_id: string; status: string; credits: string; created_at: Date; settled_at: Date | null; release_reason: string | null; pooled: boolean };
const holdsOf = async (accountId: string): Promise<HoldRow[]> =>
  (
    (await t.sql`select request_id, status, credits, created_at, settled_at, release_reason, meta ? 'pool' as pooled from holds where account_id = ${accountId} order by created_at`) as unknown as HoldRow[]
  ).map((h) => ({ ...h, created_at: new Date(h.created_at), settled_at: h.settled_at === null ? null : new Date(h.settled_at) }));
const holdOf = async (accountId: string, requestId: string) => (await holdsOf(accountId)).find((h) => h.request_id === requestId);
const pooledHeld = async (accountId: string) => (await holdsOf(accountId)).filter((h) => h.pooled && h.status === "held");
const waitForPooled = (accountId: string, n: number) => eventually(async () => ((await pooledHeld(accountId)).length === n ? true : null));

/** A busy key: two requests in a row, then its two holds placed ahead. */
async function warmKey(a: { accountId: string; apiKey: string }): Promise<Sent[]> {
  const first = [await send(a.apiKey), await send(a.apiKey)];
  await waitForPooled(a.accountId, 2);
  return first;
}

describe("hold pool: a busy key's requests find their hold already placed", () => {
  it("1st and 2nd requests hold for themselves; the 2nd's capture places 2 holds ahead in its own transaction; requests 3–12 each run on a hold the pool placed (ready, or still being placed when the request came), request 3's committed before it was sent", async () => {
    const a = await makeAccountWithExactly(t.db, 1_000 * H);
    await setBreakerEnabled(t.db, a.accountId, false);
    const [r1, r2] = await warmKey(a);
    expect((await holdOf(a.accountId, r1!.requestId))?.pooled).toBe(false);
    const second = await holdOf(a.accountId, r2!.requestId);
    expect(second?.pooled).toBe(false);
    // One ledger_apply call: the capture's settled_at and the new holds' created_at are the same now().
    const ahead = await pooledHeld(a.accountId);
    expect(ahead.map((h) => h.created_at.getTime())).toEqual([second!.settled_at!.getTime(), second!.settled_at!.getTime()]);

    const served: Sent[] = [];
    for (let i = 0; i < 10; i++) served.push(await send(a.apiKey));
    expect((await holdOf(a.accountId, served[0]!.requestId))!.created_at.getTime()).toBeLessThan(served[0]!.sentAt.getTime());
    let charged = r1!.charged + r2!.charged;
    for (const s of served) {
      expect(s.status).toBe(200);
      const hold = await holdOf(a.accountId, s.requestId);
      expect(hold).toMatchObject({ pooled: true });
      const receipt = await receiptAfter(t.db, a.accountId, s.requestId);
      expect(receipt).toMatchObject({ chargedCredits: H, heldCredits: H, requestId: s.requestId });
      expect(s.charged).toBe(H);
      charged += s.charged;
    }
    await drainHoldPools();
    const after = await balanceAfter(t.db, a.accountId);
    expect(after).toMatchObject({ heldCredits: 0, availableCredits: 1_000 * H - charged });
    expect(charged).toBe(12 * H);
    expect(await checkLedgerInvariants(t.db, [a.accountId])).toEqual([]);
  });

  it("/settings/usage data: 2 holds of H placed ahead → reserved ahead 2·H, counted in the balance left (998·H after 2 requests), none held by requests; after shutdown 0 reserved, the same 998·H", async () => {
    const a = await makeAccountWithExactly(t.db, 1_000 * H);
    await setBreakerEnabled(t.db, a.accountId, false);
    await warmKey(a);
    const busy = await getUsageDashboard(t.db, a.owner);
    // Set aside, not spent: the balance the customer sees does not dip.
    expect([busy.heldCredits, busy.reservedAheadCredits, busy.availableCredits]).toEqual([0, 2 * H, 998 * H]);
    await drainHoldPools();
    const quiet = await getUsageDashboard(t.db, a.owner);
    expect([quiet.heldCredits, quiet.reservedAheadCredits, quiet.availableCredits]).toEqual([0, 0, 998 * H]);
  });

  it("a request on a hold placed ahead whose upstream fails every attempt → 502 whose x-request-id is that hold's id, released, nothing charged", async () => {
    const a = await makeAccountWithExactly(t.db, 1_000 * H);
    await setBreakerEnabled(t.db, a.accountId, false);
    await warmKey(a);
    const before = await balanceAfter(t.db, a.accountId);
    const ahead = new Set((await pooledHeld(a.accountId)).map((h) => h.request_id));
    // Fewer tokens asked for than the warm-up's, so its worst case fits a hold placed ahead.
    const failed = await send(a.apiKey, { messages: [{ role: "user", content: "Pooled [mock fail_first=3]" }], max_tokens: 10 });
    expect([failed.status, failed.charged]).toEqual([502, 0]);
    expect(ahead.has(failed.requestId)).toBe(true); // the error names the hold it ran on, not an id nobody can find
    expect(await holdOf(a.accountId, failed.requestId)).toMatchObject({ status: "released", pooled: true });
    expect(await receiptAfter(t.db, a.accountId, failed.requestId)).toBeNull();
    await drainHoldPools();
    expect((await balanceAfter(t.db, a.accountId)).availableCredits).toBe(before.availableCredits);
  });

  it("a request needing more than the holds placed ahead (max_tokens 200 vs 20) holds for itself; the pool then places holds that cover it", async () => {
    const a = await makeAccountWithExactly(t.db, 10_000 * H);
    await setBreakerEnabled(t.db, a.accountId, false);
    await warmKey(a);
    const big = await send(a.apiKey, { max_tokens: 200 });
    expect(big.status).toBe(200);
    expect(big.held).toBeGreaterThan(H);
    expect((await holdOf(a.accountId, big.requestId))?.pooled).toBe(false);
    // Both pooled holds of size H are still there; the top-up added none (the lane was full) …
    expect((await pooledHeld(a.accountId)).map((h) => Number(h.credits))).toEqual([H, H]);
    // … until they are used: their replacements cover the larger request.
    await send(a.apiKey);
    await send(a.apiKey);
    await eventually(async () => ((await pooledHeld(a.accountId)).every((h) => Number(h.credits) === big.held) && (await pooledHeld(a.accountId)).length === 2 ? true : null));
    const bigAgain = await send(a.apiKey, { max_tokens: 200 });
    expect((await holdOf(a.accountId, bigAgain.requestId))?.pooled).toBe(true);
    expect(bigAgain.held).toBe(big.held);
    expect(bigAgain.charged).toBe(H); // the mock still writes 20 tokens: charged for those, the rest released
  });

  it("balance 150·H, below the pool's floor (100 × 2 holds of H): 6 requests in a row → none served ahead, no hold ever placed ahead", async () => {
    const a = await makeAccountWithExactly(t.db, 150 * H);
    await setBreakerEnabled(t.db, a.accountId, false);
    for (let i = 0; i < 6; i++) expect((await send(a.apiKey)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect((await holdsOf(a.accountId)).filter((h) => h.pooled)).toEqual([]);
    expect((await balanceAfter(t.db, a.accountId)).availableCredits).toBe(144 * H);
  });

  it("pro plan on overage only (0 grant credits): requests in a row are served on overage, never on a hold placed ahead", async () => {
    const a = await makeAccountWithExactly(t.db, 0);
    await t.sql`update account_ledger set overage_allowed = true, plan = 'pro' where account_id = ${a.accountId}`;
    await setBreakerEnabled(t.db, a.accountId, false);
    for (let i = 0; i < 4; i++) expect((await send(a.apiKey)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect((await holdsOf(a.accountId)).filter((h) => h.pooled)).toEqual([]);
  });
});

describe("hold pool: holds placed ahead go back", () => {
  it("the platform admin freezes the account: both holds placed ahead are released at once; the next request → 403 account_frozen, no upstream call, nothing charged", async () => {
    const a = await makeAccountWithExactly(t.db, 1_000 * H);
    await setBreakerEnabled(t.db, a.accountId, false);
    await warmKey(a);
    const before = await balanceAfter(t.db, a.accountId);
    await setCustomerStatus(t.db, admin, { accountId: a.accountId, status: "frozen", reason: "test freeze" });
    await drainHoldPools(); // waits for the releases the freeze started (it does not start any)
    const pooled = (await holdsOf(a.accountId)).filter((h) => h.pooled);
    expect(pooled.map((h) => [h.status, h.release_reason])).toEqual([
      ["released", "pool_dropped"],
      ["released", "pool_dropped"],
    ]);
    const calls = mock.stats().chatCompletions;
    const refused = await send(a.apiKey);
    expect([refused.status, refused.errorType, refused.charged]).toEqual([403, "account_frozen", 0]);
    expect(mock.stats().chatCompletions).toBe(calls);
    const after = await balanceAfter(t.db, a.accountId);
    expect(after).toMatchObject({ heldCredits: 0, availableCredits: before.availableCredits + before.heldCredits });
  });

  it("the key is revoked: its holds placed ahead are released (pool_dropped); another key of the account keeps working", async () => {
    const a = await makePayingAccount(t.db, 1_000 * H);
    await setBreakerEnabled(t.db, a.accountId, false);
    await warmKey(a);
    await revokeApiKey(t.db, a.owner, a.apiKeyId);
    await drainHoldPools();
    expect((await pooledHeld(a.accountId))).toEqual([]);
    expect((await holdsOf(a.accountId)).filter((h) => h.pooled).every((h) => h.release_reason === "pool_dropped")).toBe(true);
    expect((await send(a.apiKey)).status).toBe(401);
    const { secret } = await createApiKey(t.db, a.owner, "second key");
    expect((await send(secret)).status).toBe(200);
  });

  it("not used within GATEWAY_HOLD_POOL_MAX_AGE_MS (300 ms): released as pool_idle; the next request holds for itself", async () => {
    await configurePool({ GATEWAY_HOLD_POOL_MAX_AGE_MS: "300" });
    try {
      const a = await makeAccountWithExactly(t.db, 1_000 * H);
      await setBreakerEnabled(t.db, a.accountId, false);
      await warmKey(a);
      await eventually(async () => ((await pooledHeld(a.accountId)).length === 0 ? true : null), 3000);
      expect((await holdsOf(a.accountId)).filter((h) => h.pooled).map((h) => h.release_reason)).toEqual(["pool_idle", "pool_idle"]);
      const next = await send(a.apiKey);
      expect((await holdOf(a.accountId, next.requestId))?.pooled).toBe(false);
    } finally {
      await configurePool({ GATEWAY_HOLD_POOL_MAX_AGE_MS: "5000" });
    }
  });

  it("a key whose requests come further apart than GATEWAY_HOLD_POOL_MAX_AGE_MS (400 ms apart, max age 300 ms) never gets a hold placed ahead", async () => {
    await configurePool({ GATEWAY_HOLD_POOL_MAX_AGE_MS: "300" });
    try {
      const a = await makeAccountWithExactly(t.db, 1_000 * H);
      await setBreakerEnabled(t.db, a.accountId, false);
      for (let i = 0; i < 3; i++) {
        expect((await send(a.apiKey)).status).toBe(200);
        await new Promise((r) => setTimeout(r, 400));
      }
      expect((await holdsOf(a.accountId)).filter((h) => h.pooled)).toEqual([]);
    } finally {
      await configurePool({ GATEWAY_HOLD_POOL_MAX_AGE_MS: "5000" });
    }
  });

  it("shutdown (drainHoldPools): every hold placed ahead is released and none is held after", async () => {
    const a = await makeAccountWithExactly(t.db, 1_000 * H);
    const b = await makeAccountWithExactly(t.db, 1_000 * H);
    for (const x of [a, b]) await setBreakerEnabled(t.db, x.accountId, false);
    await Promise.all([warmKey(a), warmKey(b)]);
    expect(pooledHoldsInProcess()).toBe(4);
    await drainHoldPools();
    expect(pooledHoldsInProcess()).toBe(0);
    for (const x of [a, b]) {
      expect(await pooledHeld(x.accountId)).toEqual([]);
      expect((await holdsOf(x.accountId)).filter((h) => h.pooled).map((h) => h.release_reason)).toEqual(["shutdown", "shutdown"]);
      expect((await balanceAfter(t.db, x.accountId)).heldCredits).toBe(0);
    }
  });
});

describe("hold pool: never the reason for a refusal", () => {
  it("a request needing N (max_tokens 100) finds N − H spendable and 2·H set aside for its key → the set-aside holds are given back (pool_returned) and it is served; with no set-aside holds the same request is a 402", async () => {
    await configurePool({ GATEWAY_HOLD_POOL_KEEP_AVAILABLE: "1" });
    try {
      const N = countPromptTokens([{ role: "user", content: CONTENT }]) + 100;
      // 2·H for the two warm-up requests, 2·H set aside, then N − H spendable.
      const a = await makeAccountWithExactly(t.db, 3 * H + N);
      await setBreakerEnabled(t.db, a.accountId, false);
      await warmKey(a);
      const calls = mock.stats().chatCompletions;
      const big = await send(a.apiKey, { max_tokens: 100 });
      expect([big.status, big.charged]).toEqual([200, H]); // the mock writes its 20 tokens
      expect(mock.stats().chatCompletions - calls).toBe(1);
      const pooled = (await holdsOf(a.accountId)).filter((h) => h.pooled);
      expect(pooled.slice(0, 2).map((h) => [h.status, h.release_reason])).toEqual([
        ["released", "pool_returned"],
        ["released", "pool_returned"],
      ]);
      expect((await holdOf(a.accountId, big.requestId))?.pooled).toBe(false);

      // The control: the same shortfall with nothing set aside is refused, and charges nothing.
      await drainHoldPools();
      const b = await makeAccountWithExactly(t.db, N - H);
      await setBreakerEnabled(t.db, b.accountId, false);
      const refused = await send(b.apiKey, { max_tokens: 100 });
      expect([refused.status, refused.errorType, refused.charged]).toEqual([402, "insufficient_credits", 0]);
      expect(await checkLedgerInvariants(t.db, [a.accountId, b.accountId])).toEqual([]);
    } finally {
      await configurePool({ GATEWAY_HOLD_POOL_KEEP_AVAILABLE: "100" });
    }
  });
});

describe("hold pool under concurrency", () => {
  it("200 concurrent requests on a busy key, 50·H left, floor of 2·H (KEEP_AVAILABLE 1): 48–50 served, the rest 402; no overdraft; charged = Σ headers = upstream calls · H; all back after shutdown; invariants hold", async () => {
    await configurePool({ GATEWAY_HOLD_POOL_KEEP_AVAILABLE: "1" });
    try {
      const a = await makeAccountWithExactly(t.db, 52 * H);
      await setBreakerEnabled(t.db, a.accountId, false);
      await warmKey(a); // 2·H charged, 2 holds of H placed ahead: 50·H left, 2 of them pooled
      const calls = mock.stats().chatCompletions;
      const results = await Promise.all(Array.from({ length: 200 }, () => send(a.apiKey)));
      const ok = results.filter((r) => r.status === 200);
      expect(results.filter((r) => r.status !== 200).every((r) => r.status === 402 && r.errorType === "insufficient_credits")).toBe(true);
      // Every credit is spent except what the pool placed ahead after the last request started:
      // at most its 2 holds, given back at shutdown.
      expect(ok.length).toBeGreaterThanOrEqual(48);
      expect(ok.length).toBeLessThanOrEqual(50);
      expect(ok.every((r) => r.charged === H)).toBe(true);
      expect(mock.stats().chatCompletions - calls).toBe(ok.length);
      expect(new Set(ok.map((r) => r.requestId)).size).toBe(ok.length);
      await drainHoldPools();
      const after = await balanceAfter(t.db, a.accountId);
      expect(after).toMatchObject({ heldCredits: 0, availableCredits: (50 - ok.length) * H, remainingCredits: (50 - ok.length) * H });
      expect(await checkLedgerInvariants(t.db, [a.accountId])).toEqual([]);
    } finally {
      await configurePool({ GATEWAY_HOLD_POOL_KEEP_AVAILABLE: "100" });
    }
  });
});
