import { afterAll, beforeAll, describe, expect, it } from "vitest";
import postgres from "postgres";
import { createTestDb, type TestDb } from "@/tests/db";
import { getReceipt, reserve, setLimits, setPlan } from "@/lib/ledger";
import { findModelPrice } from "@/lib/config/price-book";
import { drainSettlements, settlementsInFlight } from "../settle-behind";
import { Settlement } from "../settlement";
import { balanceAfter, eventually, makeAccountWithExactly, makePayingAccount, rawCall, receiptAfter, startGatewayRig } from "./harness";

/**
 * A plain call is answered without waiting for its capture's commit when the charge is known in
 * advance (lib/gateway/settle-behind.ts, Settlement.charge). To see the order, these tests hold
 * the account's ledger row locked from another connection once the hold is placed: the capture
 * then cannot commit until the lock goes, and we look at what the client got meanwhile.
 */
let t: TestDb;
let locker: postgres.Sql;

beforeAll(async () => {
  t = await createTestDb();
  await startGatewayRig();
  locker = postgres(t.url, { max: 2, onnotice: () => {} });
});
afterAll(async () => {
  await locker.end({ timeout: 1 });
});

type Account = Awaited<ReturnType<typeof makePayingAccount>>;
const body = (content: string, extra: Record<string, unknown> = {}) => ({ model: "standard", messages: [{ role: "user", content }], ...extra });

/** Waits for the request's hold, then locks the account's ledger row until `unlock()` is called. */
async function lockLedgerOnceHeld(accountId: string): Promise<{ unlock: () => Promise<void> }> {
  await eventually(async () => ((await t.sql`select 1 from holds where account_id = ${accountId} and status = 'held'`).length > 0 ? true : null));
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const tx = locker.begin(async (sql) => {
    await sql`select 1 from account_ledger where account_id = ${accountId} for update`;
    locked();
    await gate;
  });
  await isLocked;
  return {
    unlock: async () => {
      release();
      await tx;
    },
  };
}

const pendingFor = async <T>(p: Promise<T>, ms: number): Promise<boolean> =>
  Promise.race([p.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), ms))]);

describe("answer first, capture behind the answer", () => {
  it("JSON: answered while the capture cannot commit; the receipt endpoint waits for it; then receipt and balance equal the header", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const before = await balanceAfter(t.db, a.accountId);
    const call = rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Answer first [mock slow_ms=300 tokens=12]") });
    const lock = await lockLedgerOnceHeld(a.accountId);
    const res = await call; // arrives although the ledger row is locked: the capture is behind it
    expect(res.status).toBe(200);
    const requestId = res.headers.get("x-request-id")!;
    const charged = Number(res.headers.get("x-credits-charged"));
    expect(charged).toBe((await res.json()).usage.credits_charged);
    expect(charged).toBeGreaterThan(12);
    expect(settlementsInFlight()).toBe(1);
    expect(await getReceipt(t.db, a.accountId, requestId)).toBeNull(); // not committed yet
    const receiptCall = rawCall(`/receipts/${requestId}`, { method: "GET", apiKey: a.apiKey });
    expect(await pendingFor(receiptCall, 150)).toBe(true); // waits for the capture, not a 404
    await lock.unlock();
    const receipt = await receiptCall;
    expect(receipt.status).toBe(200);
    expect((await receipt.json()).credits.charged).toBe(charged);
    const after = await balanceAfter(t.db, a.accountId);
    expect(before.availableCredits - after.availableCredits).toBe(charged);
    expect(after.heldCredits).toBe(0);
    expect(settlementsInFlight()).toBe(0);
  });

  it("stream: usage chunk and [DONE] arrive while the capture cannot commit; the ledger then charges what the chunk said", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const call = rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Stream first [mock slow_ms=20 tokens=10]", { stream: true, stream_options: { include_usage: true } }) });
    const lock = await lockLedgerOnceHeld(a.accountId);
    const res = await call;
    const text = await res.text(); // the whole stream, to [DONE]
    expect(text).toContain("data: [DONE]");
    const usageLine = text.split("\n").filter((l) => l.includes('"credits_charged"')).at(-1)!;
    const charged = JSON.parse(usageLine.slice("data: ".length)).usage.credits_charged as number;
    const requestId = res.headers.get("x-request-id")!;
    expect(await getReceipt(t.db, a.accountId, requestId)).toBeNull();
    await lock.unlock();
    expect((await receiptAfter(t.db, a.accountId, requestId))!.chargedCredits).toBe(charged);
  });

  // Each of these must find the outcome at once: a retry the stored result, the playground its new balance.
  it.each([
    { who: "a call with an Idempotency-Key (a retry must find the stored outcome)", init: (a: Account) => ({ apiKey: a.apiKey, headers: { "idempotency-key": "k-answer-first" } }) },
    { who: "a signed-in session's call (the playground reads the new balance as soon as the reply ends)", init: (a: Account) => ({ headers: { cookie: a.cookie } }) },
  ])("$who: the answer waits for the commit", async ({ init }) => {
    const a = await makePayingAccount(t.db, 10_000);
    const call = rawCall("/chat/completions", { ...init(a), body: body("Waits [mock slow_ms=300 tokens=5]") });
    const lock = await lockLedgerOnceHeld(a.accountId);
    expect(await pendingFor(call, 400)).toBe(true);
    await lock.unlock();
    const res = await call;
    expect(res.status).toBe(200);
    expect((await getReceipt(t.db, a.accountId, res.headers.get("x-request-id")!))!.chargedCredits).toBe(Number(res.headers.get("x-credits-charged")));
  });

  it("a charge reaching into overage waits for the capture: the hard limit lowered mid-call caps it, and the header says the capped charge", async () => {
    const a = await makeAccountWithExactly(t.db, 20);
    await setPlan(t.db, a.accountId, "pro");
    await setLimits(t.db, a.owner, { hardLimit: 100_000 });
    const call = rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Overage [mock slow_ms=300 tokens=40]", { max_tokens: 60 }) });
    await eventually(async () => ((await t.sql`select 1 from holds where account_id = ${a.accountId} and status = 'held'`).length > 0 ? true : null));
    await setLimits(t.db, a.owner, { hardLimit: 1 }); // lowered while the upstream is still answering
    const res = await call;
    expect(res.status).toBe(200);
    expect(settlementsInFlight()).toBe(0); // nothing behind the answer: it waited
    const receipt = (await getReceipt(t.db, a.accountId, res.headers.get("x-request-id")!))!;
    expect(receipt.cappedCredits).toBeGreaterThan(0);
    expect(Number(res.headers.get("x-credits-charged"))).toBe(receipt.chargedCredits);
    expect((await res.json()).usage.credits_charged).toBe(receipt.chargedCredits);
  });

  it("a receipt asked for while the request is still held: waits up to 2 s, then 404 'still in progress'; an unknown id is a plain 404 at once", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const requestId = `req_inflight_${Date.now()}`;
    await reserve(t.db, { accountId: a.accountId, requestId, credits: 10 }); // a request in flight elsewhere
    const started = Date.now();
    const held = await rawCall(`/receipts/${requestId}`, { method: "GET", apiKey: a.apiKey });
    expect(held.status).toBe(404);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect((await held.json()).error.message).toMatch(/still in progress/);
    const unknown = await rawCall("/receipts/req_never_made", { method: "GET", apiKey: a.apiKey });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.message).not.toMatch(/in progress/);
  });

  it("drainSettlements (shutdown) waits for captures still committing", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const call = rawCall("/chat/completions", { apiKey: a.apiKey, body: body("Drain [mock slow_ms=200 tokens=4]") });
    const lock = await lockLedgerOnceHeld(a.accountId);
    const res = await call;
    expect(await drainSettlements(100)).toBe(1); // timed out with the capture still blocked
    const draining = drainSettlements(10_000);
    await lock.unlock();
    expect(await draining).toBe(0);
    expect(await getReceipt(t.db, a.accountId, res.headers.get("x-request-id")!)).not.toBeNull();
  });

  it("the capture behind the answer starts after the turn, but is claimed at once: a release right after charge() gets the capture, charged once", async () => {
    const a = await makePayingAccount(t.db, 10_000);
    const requestId = `req_claimed_${Date.now()}`;
    const hold = await reserve(t.db, { accountId: a.accountId, requestId, credits: 100 });
    const settlement = new Settlement(t.db, { accountId: a.accountId, requestId, userId: a.userId, apiKeyId: a.apiKeyId, action: null, price: findModelPrice("standard")!, startedAt: performance.now(), hold });
    const usage = { inputTokens: 10, outputTokens: 20, cachedTokens: 0 };
    const charged = await settlement.charge({ usage, status: "succeeded" }, { answerFirst: true });
    expect(settlement.settled).toBe(true);
    expect(settlementsInFlight()).toBeGreaterThanOrEqual(1);
    // Same turn as charge(): the capture's work has not started — another request's hold placed now
    // reaches the ledger first — yet the request is already the capture's.
    const nextId = `${requestId}_next`;
    const nextHold = reserve(t.db, { accountId: a.accountId, requestId: nextId, credits: 5 });
    await settlement.release("client_gone"); // too late: the capture owns this request
    await nextHold;
    const receipt = await charged.receipt;
    const journal = await t.sql<{ kind: string; request_id: string }[]>`
      select kind, request_id from ledger_entries
       where account_id = ${a.accountId} and request_id in (${requestId}, ${nextId})
       group by kind, request_id order by min(id)`;
    expect(journal.map((e) => `${e.kind} ${e.request_id}`)).toEqual([`hold ${requestId}`, `hold ${nextId}`, `capture ${requestId}`]);
    expect(receipt.chargedCredits).toBe(charged.chargedCredits);
    expect(charged.chargedCredits).toBeGreaterThan(0);
    const [after] = await t.sql<{ status: string }[]>`select status from holds where account_id = ${a.accountId} and request_id = ${requestId}`;
    expect(after!.status).toBe("captured");
    expect((await getReceipt(t.db, a.accountId, requestId))!.chargedCredits).toBe(charged.chargedCredits);
  });
});
