import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { createTestDb, type TestDb } from "@/tests/db";
import { ctx, makeTeamWith, makeUser } from "@/tests/helpers/fixtures";
import { startSmtpSink } from "@/tests/helpers/smtp-sink";
import { resetEnvForTests } from "@/lib/config/env";
import { inviteMember } from "@/lib/accounts/invite-member";
import { emailOutbox, invites } from "@/db/schema";
import { resetEmailTransportForTests, sendEmail } from "./send";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => {
  delete process.env.SMTP_URL;
  resetEnvForTests();
});

function useSmtp(url: string | undefined) {
  if (url) process.env.SMTP_URL = url;
  else delete process.env.SMTP_URL;
  resetEnvForTests();
  resetEmailTransportForTests();
}

describe("email", () => {
  it("no SMTP configured → the invite is recorded in the outbox and its link returned to show in the UI", async () => {
    useSmtp(undefined);
    const owner = await makeUser(t.db, "Nora");
    const team = await makeTeamWith(t.db, owner);
    const result = await inviteMember(t.db, ctx(team.id, owner.user.id, "owner"), { email: "pat@example.test", role: "member" });
    expect(result.emailed).toBe(false);
    expect(result.url).toMatch(/\/invite\/[A-Za-z0-9]{32}$/);
    const [row] = await t.db.select().from(emailOutbox).where(eq(emailOutbox.toAddress, "pat@example.test"));
    expect(row).toMatchObject({ channel: "outbox", status: "recorded" });
    expect(row!.textBody).toContain(result.url);
  });

  it("SMTP configured → the invite is delivered over SMTP with the accept link", async () => {
    const sink = await startSmtpSink();
    useSmtp(sink.url);
    const owner = await makeUser(t.db, "Mona");
    const team = await makeTeamWith(t.db, owner);
    const result = await inviteMember(t.db, ctx(team.id, owner.user.id, "owner"), { email: "quinn@example.test", role: "admin" });
    expect(result.emailed).toBe(true);
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]!.to).toEqual(["<quinn@example.test>"]);
    expect(sink.received[0]!.data).toContain(result.url);
    await sink.close();
  });

  it("a failing SMTP server does not fail the invite: it exists, the failure is recorded", async () => {
    const sink = await startSmtpSink({ failWith: "mailbox unavailable" });
    useSmtp(sink.url);
    const owner = await makeUser(t.db, "Lars");
    const team = await makeTeamWith(t.db, owner);
    const result = await inviteMember(t.db, ctx(team.id, owner.user.id, "owner"), { email: "rae@example.test", role: "member" });
    expect(result.emailed).toBe(false);
    expect(await t.db.select().from(invites).where(eq(invites.id, result.invite.id))).toHaveLength(1);
    const [row] = await t.db.select().from(emailOutbox).where(eq(emailOutbox.toAddress, "rae@example.test"));
    expect(row).toMatchObject({ channel: "smtp", status: "failed" });
    expect(row!.error).toMatch(/mailbox unavailable/);
    await sink.close();
  });

  it("sendEmail to an unreachable SMTP port → recorded as failed, no throw", async () => {
    useSmtp("smtp://127.0.0.1:1");
    const sent = await sendEmail(t.db, { to: "x@example.test", subject: "s", text: "t" });
    expect(sent).toMatchObject({ channel: "smtp", delivered: false });
  });
});
