import { eq } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { accounts, memberships, users } from "@/db/schema";
import { newId } from "@/lib/ids";
import { AppError } from "@/lib/errors";
import { runAccountCreatedHooks } from "./account-created";
// The ledger registers its onAccountCreated hook (ledger row + signup grant) when loaded.
import "@/lib/ledger/register";

export type NewUser = { email: string; name: string; passwordHash?: string; clerkUserId?: string };

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Creates the user, their personal account and the owner membership, in one transaction. */
export async function createUserWithPersonalAccount(db: Db, input: NewUser) {
  const email = normalizeEmail(input.email);
  return db.transaction(async (tx) => {
    const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
    if (existing) throw new AppError("conflict", "An account with this email already exists");
    const userId = newId("usr");
    const accountId = newId("acct");
    const [user] = await tx
      .insert(users)
      .values({ id: userId, email, name: input.name.trim(), passwordHash: input.passwordHash ?? null, clerkUserId: input.clerkUserId ?? null })
      .onConflictDoNothing()
      .returning();
    if (!user) throw new AppError("conflict", "An account with this email already exists");
    await tx.insert(accounts).values({ id: accountId, name: personalAccountName(user.name), kind: "personal" });
    await tx.insert(memberships).values({ accountId, userId, role: "owner" });
    await runAccountCreatedHooks(tx, { id: accountId, kind: "personal" });
    return { user, accountId };
  });
}

function personalAccountName(name: string): string {
  return `${name.split(" ")[0] || name}'s account`;
}

export async function findUserByEmail(db: DbOrTx, email: string) {
  const [user] = await db.select().from(users).where(eq(users.email, normalizeEmail(email))).limit(1);
  return user ?? null;
}
