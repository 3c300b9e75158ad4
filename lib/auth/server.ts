import "server-only";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { getDb } from "@/db/client";
import { resolveCurrentAccount } from "@/lib/accounts/memberships";
import type { AccountContext } from "@/lib/accounts/roles";
import { resolveIdentity } from "./identity-resolver";
import { SESSION_COOKIE } from "./local/sessions";
import { CURRENT_ACCOUNT_COOKIE } from "./cookies";
import type { Identity } from "./identity";

/** For server components and actions: the signed-in identity, or null. */
export async function getIdentity(): Promise<Identity | null> {
  const jar = await cookies();
  return resolveIdentity(getDb(), jar.get(SESSION_COOKIE)?.value);
}

export async function requireIdentity(): Promise<Identity> {
  const identity = await getIdentity();
  if (!identity) redirect("/sign-in");
  return identity;
}

/** The signed-in user, their current account (from the switcher cookie) and all their accounts. */
export async function requireAccountContext() {
  const identity = await requireIdentity();
  const jar = await cookies();
  const { current, all } = await resolveCurrentAccount(getDb(), identity.userId, jar.get(CURRENT_ACCOUNT_COOKIE)?.value);
  const ctx: AccountContext = { accountId: current.id, userId: identity.userId, role: current.role, via: "session" };
  return { identity, account: current, accounts: all, ctx };
}

/** The client's address, for rate limits. Behind a proxy, the first X-Forwarded-For hop. */
export async function clientAddress(): Promise<string> {
  const h = await headers();
  return h.get("x-forwarded-for")?.split(",")[0]?.trim() || h.get("x-real-ip") || "local";
}
