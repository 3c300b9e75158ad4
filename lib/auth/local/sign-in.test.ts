import { beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/db";
import { signInLocal, signUpLocal, MAX_FAILED_SIGN_INS } from "./sign-in";
import { findUserBySessionToken, deleteSession } from "./sessions";
import { hashPassword, verifyPassword } from "./password";
import { listAccountsForUser } from "@/lib/accounts/memberships";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});

describe("local sign-in", () => {
  it("hashes with scrypt and verifies only the right password", async () => {
    const hash = await hashPassword("correct horse battery");
    expect(hash.startsWith("scrypt$16384$8$1$")).toBe(true);
    expect(await verifyPassword("correct horse battery", hash)).toBe(true);
    expect(await verifyPassword("correct horse batterY", hash)).toBe(false);
  });

  it("sign-up creates the user, a personal account they own, and a working session", async () => {
    const { userId, session } = await signUpLocal(t.db, { name: "Grace Hopper", email: "Grace@Example.test", password: "longpassword1" });
    const user = await findUserBySessionToken(t.db, session.token);
    expect(user).toMatchObject({ id: userId, email: "grace@example.test" });
    const accounts = await listAccountsForUser(t.db, userId);
    expect(accounts).toEqual([expect.objectContaining({ kind: "personal", role: "owner" })]);
  });

  it("a second sign-up with the same email (any case) → conflict", async () => {
    await signUpLocal(t.db, { name: "A", email: "dup@example.test", password: "longpassword1" });
    await expect(signUpLocal(t.db, { name: "B", email: "DUP@example.test", password: "longpassword2" })).rejects.toMatchObject({ code: "conflict" });
  });

  it("sign-in with the right password → session; wrong password → unauthenticated", async () => {
    await signUpLocal(t.db, { name: "Alan", email: "alan@example.test", password: "longpassword1" });
    const ok = await signInLocal(t.db, { email: "alan@example.test", password: "longpassword1" }, "ip-a");
    expect(await findUserBySessionToken(t.db, ok.session.token)).not.toBeNull();
    await expect(signInLocal(t.db, { email: "alan@example.test", password: "nope" }, "ip-a")).rejects.toMatchObject({ code: "unauthenticated", message: "Wrong email or password" });
  });

  it("sign-out deletes the session: the token no longer resolves", async () => {
    const { session } = await signUpLocal(t.db, { name: "Out", email: "out@example.test", password: "longpassword1" });
    await deleteSession(t.db, session.token);
    expect(await findUserBySessionToken(t.db, session.token)).toBeNull();
  });

  it(`${MAX_FAILED_SIGN_INS} failures → the next attempt is rate limited, even with the right password`, async () => {
    await signUpLocal(t.db, { name: "Eve", email: "eve@example.test", password: "longpassword1" });
    for (let i = 0; i < MAX_FAILED_SIGN_INS; i++) {
      await expect(signInLocal(t.db, { email: "eve@example.test", password: `wrong${i}` }, "ip-eve")).rejects.toMatchObject({ code: "unauthenticated" });
    }
    await expect(signInLocal(t.db, { email: "eve@example.test", password: "longpassword1" }, "ip-other")).rejects.toMatchObject({ code: "rate_limited" });
  });

  it("failures from one client address are limited across emails", async () => {
    for (let i = 0; i < MAX_FAILED_SIGN_INS; i++) {
      await expect(signInLocal(t.db, { email: `nobody${i}@example.test`, password: "x" }, "ip-spray")).rejects.toMatchObject({ code: "unauthenticated" });
    }
    await expect(signInLocal(t.db, { email: "nobody-else@example.test", password: "x" }, "ip-spray")).rejects.toMatchObject({ code: "rate_limited" });
  });
});
