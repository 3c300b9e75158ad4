import { createApiKey, listApiKeys } from "@/lib/api-keys/keys";
import { createApiKeySchema } from "@/lib/accounts/schemas";
import { parseJsonBody } from "@/lib/http/parse";
import { withAccount } from "@/lib/http/with-account";

export const GET = withAccount(async (_req, { account, db }) => Response.json({ data: await listApiKeys(db, account.accountId) }));

/** Keys are made by signed-in people, never by another key. The secret is in this response only. */
export const POST = withAccount(
  async (req, { account, db }) => {
    const { name } = await parseJsonBody(req, createApiKeySchema);
    const { key, secret } = await createApiKey(db, account, name);
    return Response.json({ ...key, secret }, { status: 201 });
  },
  { session: true },
);
