import { beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/db";
import { call, ctx, makeUser } from "@/tests/helpers/fixtures";
import { createApiKey, revokeApiKey } from "@/lib/api-keys/keys";
import { sha256Hex } from "@/lib/crypto";
import * as accountRoute from "@/app/api/v1/account/route";
import * as keysRoute from "@/app/api/v1/api-keys/route";
import { apiKeys } from "@/db/schema";
import { eq } from "drizzle-orm";

let t: TestDb;
let user: Awaited<ReturnType<typeof makeUser>>;
let secret: string;
let keyId: string;

beforeAll(async () => {
  t = await createTestDb();
  user = await makeUser(t.db);
  const created = await createApiKey(t.db, ctx(user.personalAccountId, user.user.id, "owner"), "ci");
  secret = created.secret;
  keyId = created.key.id;
});

describe("API key authentication", () => {
  it("a valid key → 200 on its own account, acting as a member", async () => {
    const res = await call(accountRoute.GET, { bearer: secret });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: user.personalAccountId, via: "api_key", role: "member" });
  });

  it("the secret is stored only as its SHA-256; the listing never contains it", async () => {
    const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, keyId));
    expect(row!.secretHash).toBe(sha256Hex(secret));
    expect(JSON.stringify(row)).not.toContain(secret);
    const listing = await (await call(keysRoute.GET, { cookie: user.cookie })).text();
    expect(listing).not.toContain(secret);
    expect(listing).toContain(secret.slice(0, 9));
  });

  it("unknown key → 401", async () => {
    const res = await call(accountRoute.GET, { bearer: `mk_${"x".repeat(40)}` });
    expect(res.status).toBe(401);
    expect((await res.json()).error).toEqual({ code: "unauthenticated", message: "Unknown API key" });
  });

  it("malformed header (no Bearer) → 401 saying what is expected", async () => {
    const res = await call(accountRoute.GET, { headers: { authorization: secret } });
    expect(res.status).toBe(401);
    expect((await res.json()).error.message).toMatch(/Bearer <API key>/);
  });

  it("a key of the wrong shape → 401", async () => {
    expect((await call(accountRoute.GET, { bearer: "sk-not-ours" })).status).toBe(401);
  });

  it("no credentials at all → 401", async () => {
    expect((await call(accountRoute.GET, {})).status).toBe(401);
  });

  it("an API key cannot mint more keys (session only) → 401", async () => {
    const res = await call(keysRoute.POST, { method: "POST", bearer: secret, body: { name: "x" } });
    expect(res.status).toBe(401);
  });

  it("bad JSON → 400; invalid body → 422 with field errors; nothing created", async () => {
    const before = (await (await call(keysRoute.GET, { cookie: user.cookie })).json()).data.length;
    expect((await call(keysRoute.POST, { method: "POST", cookie: user.cookie, body: "{not json" })).status).toBe(400);
    const invalid = await call(keysRoute.POST, { method: "POST", cookie: user.cookie, body: { name: "" } });
    expect(invalid.status).toBe(422);
    expect((await invalid.json()).error.details.fields.name).toBeDefined();
    expect((await (await call(keysRoute.GET, { cookie: user.cookie })).json()).data.length).toBe(before);
  });

  it("a revoked key → 401 'revoked'", async () => {
    await revokeApiKey(t.db, ctx(user.personalAccountId, user.user.id, "owner"), keyId);
    const res = await call(accountRoute.GET, { bearer: secret });
    expect(res.status).toBe(401);
    expect((await res.json()).error.message).toBe("This API key has been revoked");
  });
});
