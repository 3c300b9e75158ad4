import { beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { createTestDb, type TestDb } from "@/tests/db";
import { call, ctx, makeTeamWith, makeUser } from "@/tests/helpers/fixtures";
import { createApiKey } from "@/lib/api-keys/keys";
import { resetGatewayConfigForTests } from "@/lib/config/gateway";
import { resetGatewayLimiterForTests } from "@/lib/gateway/http/with-gateway";
import { apiKeys, auditLog, memberships } from "@/db/schema";
import * as accountRoute from "@/app/api/v1/account/route";
import * as estimateRoute from "@/app/api/v1/estimate/route";
import * as memberRoute from "@/app/api/v1/members/[userId]/route";

let t: TestDb;
let owner: Awaited<ReturnType<typeof makeUser>>;
let admin: Awaited<ReturnType<typeof makeUser>>;
let team: { id: string };
const as = (u: { cookie: string }) => `${u.cookie}; ml_account=${team.id}`;
const estimateBody = { model: "standard", messages: [{ role: "user", content: "Hello" }], max_tokens: 10 };

beforeAll(async () => {
  t = await createTestDb();
  // A key-cache TTL far longer than the test: a 401 after removal proves the entry was forgotten,
  // not that it happened to expire.
  process.env.GATEWAY_KEY_CACHE_TTL_MS = "600000";
  resetGatewayConfigForTests();
  resetGatewayLimiterForTests();
  owner = await makeUser(t.db, "Olga Owner");
  admin = await makeUser(t.db, "Adam Admin");
  team = await makeTeamWith(t.db, owner, [{ user: admin.user, role: "admin" }]);
});

async function addMemberWithKey(name: string) {
  const member = await makeUser(t.db, name);
  await t.db.insert(memberships).values({ accountId: team.id, userId: member.user.id, role: "member" });
  const { secret, key } = await createApiKey(t.db, ctx(team.id, member.user.id, "member"), `${name}'s key`);
  return { member, secret, keyId: key.id };
}

describe("a removed member's API keys stop working at once", () => {
  it("member's key works (gateway, cached) → admin removes member → same key 401 on the gateway and the API, revoked + audited", async () => {
    const { member, secret, keyId } = await addMemberWithKey("Mia Member");
    const { secret: adminSecret } = await createApiKey(t.db, ctx(team.id, admin.user.id, "admin"), "admin key");

    // Warm the gateway's in-process key cache with the member's key.
    expect((await call(estimateRoute.POST, { method: "POST", bearer: secret, body: estimateBody })).status).toBe(200);
    expect((await call(accountRoute.GET, { bearer: secret })).status).toBe(200);

    const removed = await call(memberRoute.DELETE, { method: "DELETE", cookie: as(admin), params: { userId: member.user.id } });
    expect(removed.status).toBe(200);

    const gateway = await call(estimateRoute.POST, { method: "POST", bearer: secret, body: estimateBody });
    expect(gateway.status).toBe(401);
    const api = await call(accountRoute.GET, { bearer: secret });
    expect(api.status).toBe(401);
    expect((await api.json()).error.message).toBe("This API key has been revoked");

    const [row] = await t.db.select({ revokedAt: apiKeys.revokedAt }).from(apiKeys).where(eq(apiKeys.id, keyId));
    expect(row!.revokedAt).not.toBeNull();
    const audit = await t.db
      .select({ actorUserId: auditLog.actorUserId, reason: auditLog.reason })
      .from(auditLog)
      .where(and(eq(auditLog.action, "api_key.revoked"), eq(auditLog.targetId, keyId)));
    expect(audit).toEqual([{ actorUserId: admin.user.id, reason: "creator removed from the account" }]);

    // Only the removed member's keys: the admin's own key keeps working.
    expect((await call(estimateRoute.POST, { method: "POST", bearer: adminSecret, body: estimateBody })).status).toBe(200);
  });

  it("a member who leaves (removes themselves) → their key 401", async () => {
    const { member, secret } = await addMemberWithKey("Lea Leaver");
    expect((await call(memberRoute.DELETE, { method: "DELETE", cookie: as(member), params: { userId: member.user.id } })).status).toBe(200);
    expect((await call(accountRoute.GET, { bearer: secret })).status).toBe(401);
  });

  it("membership ended outside removeMember (row deleted, key not revoked) → key 401 'no longer a member'", async () => {
    const { member, secret, keyId } = await addMemberWithKey("Del Deleted");
    await t.db.delete(memberships).where(and(eq(memberships.accountId, team.id), eq(memberships.userId, member.user.id)));
    const res = await call(accountRoute.GET, { bearer: secret });
    expect(res.status).toBe(401);
    expect((await res.json()).error.message).toBe("This API key's creator is no longer a member of its account");
    const [row] = await t.db.select({ revokedAt: apiKeys.revokedAt }).from(apiKeys).where(eq(apiKeys.id, keyId));
    expect(row!.revokedAt).toBeNull();
  });
});
