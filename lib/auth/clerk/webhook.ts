import { Webhook } from "svix";
import type { Db } from "@/db/client";
import { AppError } from "@/lib/errors";
import { ensureUserFromClerk, type ClerkUserData } from "./sync-user";

/**
 * Clerk's webhooks (user.created) come through Svix. Verifies the signature over the raw body,
 * then maps the user. Returns a one-line description of what was done.
 */
export async function handleClerkWebhook(db: Db, secret: string, rawBody: string, headers: Headers): Promise<string> {
  let event: { type: string; data: unknown };
  try {
    event = new Webhook(secret).verify(rawBody, {
      "svix-id": headers.get("svix-id") ?? "",
      "svix-timestamp": headers.get("svix-timestamp") ?? "",
      "svix-signature": headers.get("svix-signature") ?? "",
    }) as { type: string; data: unknown };
  } catch {
    throw new AppError("bad_request", "Invalid webhook signature");
  }
  if (event.type === "user.created" || event.type === "user.updated") {
    const user = await ensureUserFromClerk(db, event.data as ClerkUserData);
    return `${event.type}: user ${user.id}`;
  }
  return `${event.type}: ignored`;
}
