import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { createTestDb, type TestDb } from "@/tests/db";
import { makeUser, ctx } from "@/tests/helpers/fixtures";
import { createApiKey } from "@/lib/api-keys/keys";
import { claimIdempotencyKeyOrThrow, completeIdempotencyKey, purgeExpiredIdempotencyKeys } from "../idempotency";
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
