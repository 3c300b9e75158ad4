import { beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/db";
import { call, ctx, makeTeamWith, makeUser } from "@/tests/helpers/fixtures";
import { createApiKey } from "@/lib/api-keys/keys";
import * as keyRoute from "@/app/api/v1/api-keys/[id]/route";
import * as keysRoute from "@/app/api/v1/api-keys/route";
import * as memberRoute from "@/app/api/v1/members/[userId]/route";
import * as membersRoute from "@/app/api/v1/members/route";
import * as invitesRoute from "@/app/api/v1/invites/route";

let t: TestDb;
let owner: Awaited<ReturnType<typeof makeUser>>;
let admin: Awaited<ReturnType<typeof makeUser>>;
let member: Awaited<ReturnType<typeof makeUser>>;
let other: Awaited<ReturnType<typeof makeUser>>;
let team: { id: string };
const as = (u: { cookie: string }) => `${u.cookie}; ml_account=${team.id}`;

beforeAll(async () => {
  t = await createTestDb();
  owner = await makeUser(t.db, "Olga Owner");
  admin = await makeUser(t.db, "Adam Admin");
  member = await makeUser(t.db, "Mia Member");
  other = await makeUser(t.db, "Otto Member");
  team = await makeTeamWith(t.db, owner, [
    { user: admin.user, role: "admin" },
    { user: member.user, role: "member" },
    { user: other.user, role: "member" },
  ]);
});

describe("roles are checked on the server for every mutation", () => {
  it("a member cannot invite → 403, and no invite is created", async () => {
    const res = await call(invitesRoute.POST, { method: "POST", cookie: as(member), body: { email: "x@example.test", role: "member" } });
    expect(res.status).toBe(403);
    expect((await (await call(invitesRoute.GET, { cookie: as(owner) })).json()).data).toHaveLength(0);
  });

  it("an admin can invite → 201 with a link", async () => {
    const res = await call(invitesRoute.POST, { method: "POST", cookie: as(admin), body: { email: "new@example.test", role: "member" } });
    expect(res.status).toBe(201);
    expect((await res.json()).url).toMatch(/\/invite\/[A-Za-z0-9]{32}$/);
  });

  it("an admin cannot invite an owner (higher than their role) → 403", async () => {
    const res = await call(invitesRoute.POST, { method: "POST", cookie: as(admin), body: { email: "boss@example.test", role: "owner" } });
    expect(res.status).toBe(403);
  });

  it("a member cannot remove another member → 403, membership unchanged", async () => {
    const res = await call(memberRoute.DELETE, { method: "DELETE", cookie: as(member), params: { userId: other.user.id } });
    expect(res.status).toBe(403);
    const members = (await (await call(membersRoute.GET, { cookie: as(owner) })).json()).data;
    expect(members.map((m: { userId: string }) => m.userId)).toContain(other.user.id);
  });

  it("a member cannot promote themselves → 403", async () => {
    const res = await call(memberRoute.PATCH, { method: "PATCH", cookie: as(member), body: { role: "admin" }, params: { userId: member.user.id } });
    expect(res.status).toBe(403);
  });

  it("an admin cannot remove the owner → 403; the last owner cannot leave → 409", async () => {
    expect((await call(memberRoute.DELETE, { method: "DELETE", cookie: as(admin), params: { userId: owner.user.id } })).status).toBe(403);
    expect((await call(memberRoute.DELETE, { method: "DELETE", cookie: as(owner), params: { userId: owner.user.id } })).status).toBe(409);
  });

  it("a member cannot revoke a key an admin created → 403, the key stays active; the admin can → 200", async () => {
    const { key } = await createApiKey(t.db, ctx(team.id, admin.user.id, "admin"), "admin's key");
    expect((await call(keyRoute.DELETE, { method: "DELETE", cookie: as(member), params: { id: key.id } })).status).toBe(403);
    const keys = (await (await call(keysRoute.GET, { cookie: as(owner) })).json()).data as { id: string; revokedAt: string | null }[];
    expect(keys.find((k) => k.id === key.id)?.revokedAt).toBeNull();
    expect((await call(keyRoute.DELETE, { method: "DELETE", cookie: as(admin), params: { id: key.id } })).status).toBe(200);
  });

  it("a member can create and revoke their own key", async () => {
    const created = await call(keysRoute.POST, { method: "POST", cookie: as(member), body: { name: "mine" } });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    expect((await call(keyRoute.DELETE, { method: "DELETE", cookie: as(member), params: { id } })).status).toBe(200);
  });

  it("an admin removes a member → 200, and they are gone", async () => {
    expect((await call(memberRoute.DELETE, { method: "DELETE", cookie: as(admin), params: { userId: other.user.id } })).status).toBe(200);
    const members = (await (await call(membersRoute.GET, { cookie: as(owner) })).json()).data;
    expect(members.map((m: { userId: string }) => m.userId)).not.toContain(other.user.id);
  });
});
