import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { createTestDb, type TestDb } from "@/tests/db";
import { makeUser, ctx } from "@/tests/helpers/fixtures";
import { createApiKey } from "@/lib/api-keys/keys";
import { capture, grant, reserve } from "@/lib/ledger";
import { jobs } from "@/lib/jobs/definitions";
import { claimIdempotencyKeyOrThrow, completeIdempotencyKey, purgeExpiredIdempotencyKeys, releaseIdempotencyKey } from "../idempotency";
import { findCachedCompletion, purgeExpiredCache, storeCachedCompletion } from "../cache";
import { setKeySettings } from "../key-settings";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});

describe("idempotency store", () => {
  it("an in-progress claim whose lock passed (dead process) is taken over by the next request", async () => {
    const { personalAccountId: accountId } = await makeUser(t.db);
    const claim = { accountId, key: "k", fingerprint: "f", stream: false };
    expect(await claimIdempotencyKeyOrThrow(t.db, { ...claim, requestId: "req_a" })).toEqual({ kind: "claimed" });
    await expect(claimIdempotencyKeyOrThrow(t.db, { ...claim, requestId: "req_b" })).rejects.toMatchObject({ code: "conflict" });
    await t.db.execute(sql`update gateway_idempotency_keys set locked_until = now() - interval '1 second' where account_id = ${accountId}`);
    expect(await claimIdempotencyKeyOrThrow(t.db, { ...claim, requestId: "req_b" })).toEqual({ kind: "claimed" });
    // The dead run can no longer complete it; the new owner can.
    await completeIdempotencyKey(t.db, { accountId, key: "k", requestId: "req_a", response: { status: 200, headers: {}, body: "old", stream: false } });
    await completeIdempotencyKey(t.db, { accountId, key: "k", requestId: "req_b", response: { status: 200, headers: {}, body: "new", stream: false } });
    const replay = await claimIdempotencyKeyOrThrow(t.db, { ...claim, requestId: "req_c" });
    expect(replay).toMatchObject({ kind: "replay", requestId: "req_b", response: { body: "new" } });
  });

  it("purge removes only keys past their 24 h retention: 1 expired of 2 → 1 deleted", async () => {
    const { personalAccountId: accountId } = await makeUser(t.db);
    await claimIdempotencyKeyOrThrow(t.db, { accountId, key: "old", fingerprint: "f", requestId: "req_1", stream: false });
    await claimIdempotencyKeyOrThrow(t.db, { accountId, key: "new", fingerprint: "f", requestId: "req_2", stream: false });
    await t.db.execute(sql`update gateway_idempotency_keys set expires_at = now() - interval '1 second' where account_id = ${accountId} and key = 'old'`);
    expect(await purgeExpiredIdempotencyKeys(t.db)).toBe(1);
  });
});

describe("idempotency key expiry and charged requests", () => {
  const expire = (accountId: string) => t.db.execute(sql`update gateway_idempotency_keys set expires_at = now() - interval '1 second' where account_id = ${accountId}`);

  it("a completed key past expires_at (not yet purged) is absent: the same body is claimed afresh, not replayed", async () => {
    const { personalAccountId: accountId } = await makeUser(t.db);
    const claim = { accountId, key: "k", fingerprint: "f", stream: false };
    await claimIdempotencyKeyOrThrow(t.db, { ...claim, requestId: "req_a" });
    await completeIdempotencyKey(t.db, { accountId, key: "k", requestId: "req_a", response: { status: 200, headers: {}, body: "first", stream: false } });
    expect(await claimIdempotencyKeyOrThrow(t.db, { ...claim, requestId: "req_b" })).toMatchObject({ kind: "replay", requestId: "req_a" });
    await expire(accountId);
    expect(await claimIdempotencyKeyOrThrow(t.db, { ...claim, requestId: "req_b" })).toEqual({ kind: "claimed" });
    // req_b now owns a fresh row: in progress (a duplicate gets 409), retained 24 h again.
    await expect(claimIdempotencyKeyOrThrow(t.db, { ...claim, requestId: "req_c" })).rejects.toMatchObject({ code: "conflict" });
    const [row] = (await t.db.execute(sql`select request_id, state, response_body, expires_at > now() + interval '23 hours' as fresh from gateway_idempotency_keys where account_id = ${accountId}`)) as unknown as Record<string, unknown>[];
    expect(row).toEqual({ request_id: "req_b", state: "in_progress", response_body: null, fresh: true });
  });

  it("an expired key with another body → claimed (not 422 idempotency_key_reused)", async () => {
    const { personalAccountId: accountId } = await makeUser(t.db);
    await claimIdempotencyKeyOrThrow(t.db, { accountId, key: "k", fingerprint: "f1", requestId: "req_a", stream: false });
    await expect(claimIdempotencyKeyOrThrow(t.db, { accountId, key: "k", fingerprint: "f2", requestId: "req_b", stream: false })).rejects.toMatchObject({ code: "invalid_input" });
    await expire(accountId);
    expect(await claimIdempotencyKeyOrThrow(t.db, { accountId, key: "k", fingerprint: "f2", requestId: "req_b", stream: false })).toEqual({ kind: "claimed" });
  });

  it("lock passed but the first run was charged (receipt of 7 credits) → replays 409 idempotency_already_charged, not taken over", async () => {
    const { personalAccountId: accountId } = await makeUser(t.db);
    await grant(t.db, { accountId, kind: "promo", credits: 100, sourceRef: `stores-${accountId}` });
    const claim = { accountId, key: "k", fingerprint: "f", stream: false };
    await claimIdempotencyKeyOrThrow(t.db, { ...claim, requestId: "req_charged" });
    await reserve(t.db, { accountId, requestId: "req_charged", credits: 10 });
    await capture(t.db, { accountId, requestId: "req_charged", credits: 7, usage: { model: "standard", inputTokens: 3, outputTokens: 4 } });
    await t.db.execute(sql`update gateway_idempotency_keys set locked_until = now() - interval '1 second' where account_id = ${accountId}`);
    const replay = await claimIdempotencyKeyOrThrow(t.db, { ...claim, requestId: "req_retry" });
    expect(replay).toMatchObject({ kind: "replay", requestId: "req_charged", response: { status: 409, headers: { "x-request-id": "req_charged", "x-credits-charged": "7" } } });
    if (replay.kind !== "replay") throw new Error("expected a replay");
    expect(JSON.parse(replay.response.body).error).toMatchObject({ code: "idempotency_already_charged", charged_credits: 7 });
    // Stored: the next retry gets the same answer without looking for receipts.
    expect(await claimIdempotencyKeyOrThrow(t.db, { ...claim, requestId: "req_retry2" })).toMatchObject({ kind: "replay", requestId: "req_charged", response: { status: 409 } });
  });

  it("a key whose request has a receipt is never given back (release deletes 0 rows); one without is (1 row)", async () => {
    const { personalAccountId: accountId } = await makeUser(t.db);
    await grant(t.db, { accountId, kind: "promo", credits: 100, sourceRef: `stores-rel-${accountId}` });
    await claimIdempotencyKeyOrThrow(t.db, { accountId, key: "charged", fingerprint: "f", requestId: "req_c1", stream: false });
    await claimIdempotencyKeyOrThrow(t.db, { accountId, key: "free", fingerprint: "f", requestId: "req_c2", stream: false });
    await reserve(t.db, { accountId, requestId: "req_c1", credits: 5 });
    await capture(t.db, { accountId, requestId: "req_c1", credits: 5, usage: { model: "standard", inputTokens: 1, outputTokens: 4 } });
    await releaseIdempotencyKey(t.db, { accountId, key: "charged", requestId: "req_c1" });
    await releaseIdempotencyKey(t.db, { accountId, key: "free", requestId: "req_c2" });
    const rows = (await t.db.execute(sql`select key from gateway_idempotency_keys where account_id = ${accountId}`)) as unknown as { key: string }[];
    expect(rows.map((r) => r.key)).toEqual(["charged"]);
  });
});

describe("purge jobs are scheduled", () => {
  const job = (name: string) => {
    const found = jobs.find((j) => j.name === name);
    if (!found) throw new Error(`no job ${name} in lib/jobs/definitions.ts`);
    return found;
  };
  const deps = () => ({ db: t.db, stripe: () => { throw new Error("not used"); } });

  it("gateway.purge-idempotency-keys (hourly): 1 expired + 1 live key → the job deletes 1, the live one stays", async () => {
    const { personalAccountId: accountId } = await makeUser(t.db);
    await claimIdempotencyKeyOrThrow(t.db, { accountId, key: "old", fingerprint: "f", requestId: "req_j1", stream: false });
    await claimIdempotencyKeyOrThrow(t.db, { accountId, key: "live", fingerprint: "f", requestId: "req_j2", stream: false });
    await t.db.execute(sql`update gateway_idempotency_keys set expires_at = now() - interval '1 second' where key = 'old' and account_id = ${accountId}`);
    expect(job("gateway.purge-idempotency-keys").cron).toMatch(/^\S+ \* \* \* \*$/);
    await job("gateway.purge-idempotency-keys").run(deps());
    const rows = (await t.db.execute(sql`select key from gateway_idempotency_keys where account_id = ${accountId}`)) as unknown as { key: string }[];
    expect(rows.map((r) => r.key)).toEqual(["live"]);
  });

  it("gateway.purge-response-cache: 1 expired + 1 live entry → the job deletes 1, the live one stays", async () => {
    const { personalAccountId: accountId } = await makeUser(t.db);
    for (const h of ["old", "live"]) await storeCachedCompletion(t.db, { accountId, model: "standard", requestHash: h, response: { choices: [] }, sourceRequestId: `req_${h}`, ttlSeconds: 60 });
    await t.db.execute(sql`update gateway_response_cache set expires_at = now() - interval '1 second' where request_hash = 'old' and account_id = ${accountId}`);
    await job("gateway.purge-response-cache").run(deps());
    const rows = (await t.db.execute(sql`select request_hash from gateway_response_cache where account_id = ${accountId}`)) as unknown as { request_hash: string }[];
    expect(rows.map((r) => r.request_hash)).toEqual(["live"]);
  });
});

describe("response cache store", () => {
  it("a stored entry is found until it expires; purge deletes the expired one", async () => {
    const { personalAccountId: accountId } = await makeUser(t.db);
    const key = { accountId, model: "standard", requestHash: "h1" };
    await storeCachedCompletion(t.db, { ...key, response: { choices: [] }, sourceRequestId: "req_x", ttlSeconds: 60 });
    expect(await findCachedCompletion(t.db, key)).toEqual({ choices: [] });
    await t.db.execute(sql`update gateway_response_cache set expires_at = now() - interval '1 second' where account_id = ${accountId}`);
    expect(await findCachedCompletion(t.db, key)).toBeNull();
    expect(await purgeExpiredCache(t.db)).toBe(1);
  });
});

describe("per-key settings", () => {
  it("a member cannot turn on the cache for a key (admin+ only); an owner can, and it is audited", async () => {
    const u = await makeUser(t.db);
    const owner = ctx(u.personalAccountId, u.user.id, "owner");
    const { key } = await createApiKey(t.db, owner, "k");
    await expect(setKeySettings(t.db, { ...owner, role: "member" }, key.id, { cacheEnabled: true })).rejects.toMatchObject({ code: "forbidden" });
    expect(await setKeySettings(t.db, owner, key.id, { cacheEnabled: true })).toEqual({ cacheEnabled: true, cacheTtlSeconds: null });
    const audits = await t.db.execute(sql`select count(*)::int as n from audit_log where target_id = ${key.id} and action = 'api_key.gateway_settings_changed'`);
    expect((audits[0] as { n: number }).n).toBe(1);
  });

  it("another account's key id → not_found", async () => {
    const a = await makeUser(t.db);
    const b = await makeUser(t.db);
    const { key } = await createApiKey(t.db, ctx(a.personalAccountId, a.user.id, "owner"), "k");
    await expect(setKeySettings(t.db, ctx(b.personalAccountId, b.user.id, "owner"), key.id, { cacheEnabled: true })).rejects.toMatchObject({ code: "not_found" });
  });
});
