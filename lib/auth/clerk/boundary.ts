import type { ClerkUserData } from "./sync-user";

/**
 * The only place that calls Clerk's SDK. Tests replace `@clerk/nextjs/server` here and nowhere
 * else, so everything behind this boundary (user mapping, accounts) runs for real.
 */
export async function getClerkUserId(): Promise<string | null> {
  const { auth } = await import("@clerk/nextjs/server");
  const { userId } = await auth();
  return userId ?? null;
}

export async function fetchClerkUser(userId: string): Promise<ClerkUserData> {
  const { clerkClient } = await import("@clerk/nextjs/server");
  const client = await clerkClient();
  const u = await client.users.getUser(userId);
  return {
    id: u.id,
    email_addresses: u.emailAddresses.map((e) => ({ id: e.id, email_address: e.emailAddress })),
    primary_email_address_id: u.primaryEmailAddressId,
    first_name: u.firstName,
    last_name: u.lastName,
  };
}
