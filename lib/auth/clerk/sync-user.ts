import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { users } from "@/db/schema";
import { createUserWithPersonalAccount, normalizeEmail } from "@/lib/accounts/users";
import { AppError } from "@/lib/errors";

/** The part of a Clerk user the app needs (from `currentUser()` or a `user.created` webhook). */
export type ClerkUserData = {
  id: string;
  email_addresses: { id: string; email_address: string }[];
  primary_email_address_id: string | null;
  first_name: string | null;
  last_name: string | null;
};

export function primaryEmail(u: ClerkUserData): string | null {
  const primary = u.email_addresses.find((e) => e.id === u.primary_email_address_id) ?? u.email_addresses[0];
  return primary ? normalizeEmail(primary.email_address) : null;
}

/**
 * Maps a Clerk user to the app's user row, creating it (with the personal account) on first
 * sight. Idempotent: the webhook and the first request may both arrive; one of them wins.
 * A local user with the same email is linked rather than duplicated.
 */
export async function ensureUserFromClerk(db: Db, clerkUser: ClerkUserData) {
  const [byClerkId] = await db.select().from(users).where(eq(users.clerkUserId, clerkUser.id)).limit(1);
  if (byClerkId) return byClerkId;
  const email = primaryEmail(clerkUser);
  if (!email) throw new AppError("bad_request", "Clerk user has no email address");
  const [byEmail] = await db.select().from(users).where(eq(users.email, email)).limit(1);
  if (byEmail) {
    const [linked] = await db.update(users).set({ clerkUserId: clerkUser.id, updatedAt: new Date() }).where(eq(users.id, byEmail.id)).returning();
    return linked!;
  }
  const name = [clerkUser.first_name, clerkUser.last_name].filter(Boolean).join(" ") || email.split("@")[0]!;
  try {
    const { user } = await createUserWithPersonalAccount(db, { email, name, clerkUserId: clerkUser.id });
    return user;
  } catch (e) {
    // Lost a race with the concurrent webhook/request: the row exists now.
    const [again] = await db.select().from(users).where(eq(users.clerkUserId, clerkUser.id)).limit(1);
    if (again) return again;
    throw e;
  }
}
