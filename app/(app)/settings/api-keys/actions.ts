"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getDb } from "@/db/client";
import { createApiKey, revokeApiKey } from "@/lib/api-keys/keys";
import { createApiKeySchema } from "@/lib/accounts/schemas";
import { accountAction } from "@/lib/http/action";

export const createApiKeyAction = accountAction(createApiKeySchema, {}, async ({ name }, ctx) => {
  const { key, secret } = await createApiKey(getDb(), ctx, name);
  revalidatePath("/settings/api-keys");
  // The only time the secret leaves the server: it is not stored and cannot be shown again.
  return { ok: true, message: `Key “${key.name}” created`, data: { secret } };
});

export const revokeApiKeyAction = accountAction(z.object({ keyId: z.string().min(1) }), {}, async ({ keyId }, ctx) => {
  await revokeApiKey(getDb(), ctx, keyId);
  revalidatePath("/settings/api-keys");
  return { ok: true, message: "Key revoked" };
});
