import { beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { createTestDb, type TestDb } from "@/tests/db";
import { makeUser } from "@/tests/helpers/fixtures";
import { accounts } from "@/db/schema";
import { resetEnvForTests } from "@/lib/config/env";
import { accountFrozenError, confirmBreakerFreeze, persistTrip, resetBreakerForTests, resetProtectionConfigForTests, resumeBreaker, syncBreakerState } from "@/lib/protection";
import { breaker } from "@/lib/protection/breaker/registry";
import { newId } from "@/lib/ids";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  process.env.BREAKER_CAUTIOUS_MINUTES = "30";
  resetEnvForTests();
  resetProtectionConfigForTests();
});

const g = globalThis as unknown as { __meterlineBreaker?: ReturnType<typeof breaker> };

describe("trips and resumes reach every app instance (each has its own breaker memory)", () => {
  it("instance A trips an account → B learns it on sync (403 with A's reason); A resumes → B unfreezes and runs cautious", async () => {
    const u = await makeUser(t.db);
    const accountId = u.personalAccountId;
    const now = Date.now();

    const a = resetBreakerForTests({ now: () => now });
    const trip = a.state.freeze({ id: newId("brk"), accountId, scope: "account", apiKeyId: null, cause: "spend_spike", message: "Circuit breaker tripped: test spike", details: {}, trippedAt: new Date(now) });
    await persistTrip(t.db, trip);
    expect((await t.db.select().from(accounts).where(eq(accounts.id, accountId)))[0]!.status).toBe("frozen");

    const b = resetBreakerForTests({ now: () => now + 1_000 });
    expect(accountFrozenError(accountId).message).not.toContain("test spike"); // B does not know why yet
    await syncBreakerState(t.db);
    expect(accountFrozenError(accountId).message).toBe("Circuit breaker tripped: test spike");
    expect(b.state.admit(accountId, null, null, now + 1_000)).toMatchObject({ ok: false, kind: "frozen" });

    g.__meterlineBreaker = a;
    const r = await resumeBreaker(t.db, { accountId, actorUserId: u.user.id, reason: "fixed", cautious: true });
    expect(r.resumed).toBe(1);
    expect((await t.db.select().from(accounts).where(eq(accounts.id, accountId)))[0]!.status).toBe("active");

    g.__meterlineBreaker = b;
    await syncBreakerState(t.db);
    expect(b.state.admit(accountId, null, null, now + 2_000)).toEqual({ ok: true });
    expect(b.state.cautious.get(accountId)?.until).toBe(now + 30 * 60_000);
  });

  it("a trip whose save failed (only in this process's memory): the owner's resume (cautious) still unfreezes the account and its key here → 2 resumed (account + key)", async () => {
    const u = await makeUser(t.db);
    const accountId = u.personalAccountId;
    const now = Date.now();
    const a = resetBreakerForTests({ now: () => now });
    a.state.freeze({ id: newId("brk"), accountId, scope: "account", apiKeyId: null, cause: "spend_spike", message: "Circuit breaker tripped: unsaved", details: {}, trippedAt: new Date(now) });
    a.state.freeze({ id: newId("brk"), accountId, scope: "api_key", apiKeyId: "key_unsaved", cause: "agent_loop", message: "loop", details: {}, trippedAt: new Date(now) });
    expect(a.state.admit(accountId, null, null, now)).toMatchObject({ ok: false, kind: "frozen" });
    const r = await resumeBreaker(t.db, { accountId, actorUserId: u.user.id, reason: "owner resumed", cautious: true });
    expect(r.resumed).toBe(2);
    expect(a.state.admit(accountId, "key_unsaved", null, now + 1_000)).toEqual({ ok: true });
    expect(a.state.cautious.get(accountId)?.until).toBe(now + 30 * 60_000);
  });

  it("B holds a key frozen, A resumes it: B's very next request confirms against the database and is admitted (no 5 s sync wait); again within 250 ms → no second read", async () => {
    const u = await makeUser(t.db);
    const accountId = u.personalAccountId;
    const now = Date.now();
    const caller = { accountId, apiKeyId: "key_loop_b" };
    const a = resetBreakerForTests({ now: () => now });
    const trip = a.state.freeze({ id: newId("brk"), accountId, scope: "api_key", apiKeyId: caller.apiKeyId, cause: "agent_loop", message: "loop", details: {}, trippedAt: new Date(now) });
    await persistTrip(t.db, trip);

    let bNow = now + 1_000;
    const b = resetBreakerForTests({ now: () => bNow });
    await syncBreakerState(t.db);
    expect(b.state.admit(accountId, caller.apiKeyId, null, bNow)).toMatchObject({ ok: false, kind: "frozen" });
    b.lastSyncAt = bNow; // B's periodic sync just ran: without the confirmation it would refuse for 5 s

    g.__meterlineBreaker = a;
    await resumeBreaker(t.db, { accountId, actorUserId: u.user.id, reason: "fixed", cautious: false });

    g.__meterlineBreaker = b;
    bNow += 10;
    expect(b.state.admit(accountId, caller.apiKeyId, null, bNow)).toMatchObject({ ok: false, kind: "frozen" }); // what B would answer without confirming
    await confirmBreakerFreeze(t.db, caller);
    expect(b.state.admit(accountId, caller.apiKeyId, null, bNow)).toEqual({ ok: true });
    expect(b.freezeConfirmedAt).toBe(bNow);

    // A freeze confirmed a moment ago is not re-read for the next 250 ms.
    b.state.freeze({ ...trip, id: newId("brk") });
    bNow += 100;
    await confirmBreakerFreeze(t.db, caller);
    expect(b.freezeConfirmedAt).toBe(bNow - 100);
  });
});
