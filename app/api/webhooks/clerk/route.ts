import { getDb } from "@/db/client";
import { getEnv } from "@/lib/config/env";
import { handleClerkWebhook } from "@/lib/auth/clerk/webhook";
import { AppError } from "@/lib/errors";
import { errorResponse } from "@/lib/http/errors";

/** Clerk → Svix-signed `user.created`: create the app's user row and personal account. */
export async function POST(req: Request) {
  try {
    const secret = getEnv().CLERK_WEBHOOK_SIGNING_SECRET;
    if (!secret) throw new AppError("not_found", "Clerk webhooks are not configured");
    const done = await handleClerkWebhook(getDb(), secret, await req.text(), req.headers);
    return new Response(done, { status: 200 });
  } catch (e) {
    return errorResponse(e);
  }
}
