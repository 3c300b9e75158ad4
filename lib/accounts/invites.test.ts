import { beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/db";
import { ctx, makeTeamWith, makeUser } from "@/tests/helpers/fixtures";
import { acceptInvite, createInvite, getOpenInviteByToken, revokeInvite } from "./invites";
import { listAccountsForUser } from "./memberships";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});

describe("invites", () => {
  it("invite → the invitee accepts with the link → member of the team with the invited role; the link is then spent", async () => {
    const owner = await makeUser(t.db, "Owen");
    const invitee = await makeUser(t.db, "Ivy");
    const team = await makeTeamWith(t.db, owner);
    const { token } = await createInvite(t.db, ctx(team.id, owner.user.id, "owner"), { email: invitee.user.email.toUpperCase(), role: "admin" });
    await acceptInvite(t.db, { userId: invitee.user.id, email: invitee.user.email }, token);
    expect(await listAccountsForUser(t.db, invitee.user.id)).toContainEqual(expect.objectContaining({ id: team.id, role: "admin" }));
    expect(await getOpenInviteByToken(t.db, token)).toBeNull();
    await expect(acceptInvite(t.db, { userId: invitee.user.id, email: invitee.user.email }, token)).rejects.toMatchObject({ code: "not_found" });
  });

  it("someone else opening the link → forbidden, no membership", async () => {
    const owner = await makeUser(t.db, "Olive");
    const stranger = await makeUser(t.db, "Sam");
    const team = await makeTeamWith(t.db, owner);
    const { token } = await createInvite(t.db, ctx(team.id, owner.user.id, "owner"), { email: "intended@example.test", role: "member" });
    await expect(acceptInvite(t.db, { userId: stranger.user.id, email: stranger.user.email }, token)).rejects.toMatchObject({ code: "forbidden" });
    expect((await listAccountsForUser(t.db, stranger.user.id)).map((a) => a.id)).not.toContain(team.id);
  });

  it("a revoked invite cannot be accepted; a second open invite to the same email → conflict", async () => {
    const owner = await makeUser(t.db, "Oscar");
    const team = await makeTeamWith(t.db, owner);
    const actor = ctx(team.id, owner.user.id, "owner");
    const { invite, token } = await createInvite(t.db, actor, { email: "twice@example.test", role: "member" });
    await expect(createInvite(t.db, actor, { email: "twice@example.test", role: "member" })).rejects.toMatchObject({ code: "conflict" });
    await revokeInvite(t.db, actor, invite.id);
    expect(await getOpenInviteByToken(t.db, token)).toBeNull();
  });

  it("personal accounts cannot invite", async () => {
    const owner = await makeUser(t.db, "Solo");
    await expect(createInvite(t.db, ctx(owner.personalAccountId, owner.user.id, "owner"), { email: "x@example.test", role: "member" })).rejects.toMatchObject({ code: "bad_request" });
  });
});
