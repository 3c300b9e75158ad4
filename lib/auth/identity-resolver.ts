import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { users } from "@/db/schema";
import { getIntegrations } from "@/lib/config/integrations";
import { toIdentity, type Identity } from "./identity";
import { findUserBySessionToken } from "./local/sessions";
import { fetchClerkUser, getClerkUserId } from "./clerk/boundary";
import { ensureUserFromClerk } from "./clerk/sync-user";

/**
 * Who is signed in, whichever sign-in is active. `sessionToken` is the local session cookie
 * (ignored under Clerk, whose own middleware has already read its cookie).
 */
export async function resolveIdentity(db: Db, sessionToken: string | undefined): Promise<Identity | null> {
  if (getIntegrations().auth.mode === "clerk") return resolveClerkIdentity(db);
  if (!sessionToken) return null;
  const user = await findUserBySessionToken(db, sessionToken);
  return user ? toIdentity(user) : null;
}

async function resolveClerkIdentity(db: Db): Promise<Identity | null> {
  const clerkUserId = await getClerkUserId();
  if (!clerkUserId) return null;
  const [user] = await db.select().from(users).where(eq(users.clerkUserId, clerkUserId)).limit(1);
  // First request before the user.created webhook arrived: create the row now.
  return toIdentity(user ?? (await ensureUserFromClerk(db, await fetchClerkUser(clerkUserId))));
}
