import { and, asc, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { accounts, memberships, type Role } from "@/db/schema";
import { notFound } from "@/lib/errors";

export type AccountSummary = { id: string; name: string; kind: "personal" | "team"; role: Role; plan: string; status: string };

export async function listAccountsForUser(db: DbOrTx, userId: string): Promise<AccountSummary[]> {
  return db
    .select({ id: accounts.id, name: accounts.name, kind: accounts.kind, role: memberships.role, plan: accounts.plan, status: accounts.status })
    .from(memberships)
    .innerJoin(accounts, eq(accounts.id, memberships.accountId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(accounts.kind), asc(accounts.createdAt));
}

/**
 * The caller's role in an account. Not a member → 404, not 403: an outsider cannot even learn
 * that the account exists.
 */
export async function getMembershipOrThrow(db: DbOrTx, userId: string, accountId: string): Promise<{ role: Role }> {
  const [row] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.userId, userId), eq(memberships.accountId, accountId)))
    .limit(1);
  if (!row) throw notFound("Account");
  return row;
}

/** The account to act on: the preferred one if the user belongs to it, else their personal one. */
export async function resolveCurrentAccount(db: DbOrTx, userId: string, preferredAccountId?: string | null) {
  const all = await listAccountsForUser(db, userId);
  const current = all.find((a) => a.id === preferredAccountId) ?? all.find((a) => a.kind === "personal") ?? all[0];
  if (!current) throw notFound("Account");
  return { current, all };
}
