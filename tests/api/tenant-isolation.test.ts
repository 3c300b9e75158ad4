import { beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/db";
import { call, ctx, makeTeamWith, makeUser } from "@/tests/helpers/fixtures";
import { createApiKey } from "@/lib/api-keys/keys";
import { createInvite } from "@/lib/accounts/invites";
import * as keyRoute from "@/app/api/v1/api-keys/[id]/route";
import * as keysRoute from "@/app/api/v1/api-keys/route";
import * as memberRoute from "@/app/api/v1/members/[userId]/route";
import * as membersRoute from "@/app/api/v1/members/route";
import * as inviteRoute from "@/app/api/v1/invites/[id]/route";
import * as invitesRoute from "@/app/api/v1/invites/route";

let t: TestDb;
let alice: Awaited<ReturnType<typeof makeUser>>;
let bob: Awaited<ReturnType<typeof makeUser>>;
let carol: Awaited<ReturnType<typeof makeUser>>;
let teamA: { id: string };
let teamB: { id: string };
let bKeyId: string;
let bInviteId: string;

beforeAll(async () => {
  t = await createTestDb();
  alice = await makeUser(t.db, "Alice A");
  bob = await makeUser(t.db, "Bob B");
  carol = await makeUser(t.db, "Carol B");
  teamA = await makeTeamWith(t.db, alice);
  teamB = await makeTeamWith(t.db, bob, [{ user: carol.user, role: "member" }]);
  bKeyId = (await createApiKey(t.db, ctx(teamB.id, bob.user.id, "owner"), "B's key")).key.id;
  bInviteId = (await createInvite(t.db, ctx(teamB.id, bob.user.id, "owner"), { email: "dan@example.test", role: "member" })).invite.id;
});

const asAliceOnA = () => ({ cookie: `${alice.cookie}; ml_account=${teamA.id}` });

describe("tenant isolation: a member of account A acting on B's objects by id → 404, nothing changes", () => {
  it("revoking B's API key → 404 and the key still works", async () => {
    const res = await call(keyRoute.DELETE, { method: "DELETE", ...asAliceOnA(), params: { id: bKeyId } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "not_found", message: "API key not found" } });
    const list = await call(keysRoute.GET, { cookie: `${bob.cookie}; ml_account=${teamB.id}` });
    const keys = (await list.json()).data as { id: string; revokedAt: string | null }[];
    expect(keys.find((k) => k.id === bKeyId)?.revokedAt).toBeNull();
  });

  it("removing or re-roling B's member → 404", async () => {
    expect((await call(memberRoute.DELETE, { method: "DELETE", ...asAliceOnA(), params: { userId: carol.user.id } })).status).toBe(404);
    expect((await call(memberRoute.PATCH, { method: "PATCH", ...asAliceOnA(), body: { role: "admin" }, params: { userId: carol.user.id } })).status).toBe(404);
    const members = (await (await call(membersRoute.GET, { cookie: `${bob.cookie}; ml_account=${teamB.id}` })).json()).data;
    expect(members).toContainEqual(expect.objectContaining({ userId: carol.user.id, role: "member" }));
  });

  it("revoking B's invite → 404 and the invite stays open", async () => {
    expect((await call(inviteRoute.DELETE, { method: "DELETE", ...asAliceOnA(), params: { id: bInviteId } })).status).toBe(404);
    const invites = (await (await call(invitesRoute.GET, { cookie: `${bob.cookie}; ml_account=${teamB.id}` })).json()).data;
    expect(invites.map((i: { id: string }) => i.id)).toContain(bInviteId);
  });

  it("choosing B as the current account (x-account-id) without membership → 404", async () => {
    const res = await call(keysRoute.GET, { cookie: alice.cookie, headers: { "x-account-id": teamB.id } });
    expect(res.status).toBe(404);
  });

  it("a switcher cookie naming B falls back to Alice's own account: B's keys are never listed", async () => {
    const res = await call(keysRoute.GET, { cookie: `${alice.cookie}; ml_account=${teamB.id}` });
    expect(res.status).toBe(200);
    expect(((await res.json()).data as { id: string }[]).map((k) => k.id)).not.toContain(bKeyId);
  });
});
