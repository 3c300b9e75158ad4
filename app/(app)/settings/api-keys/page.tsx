import type { Metadata } from "next";
import { getDb } from "@/db/client";
import { requireAccountContext } from "@/lib/auth/server";
import { listApiKeys } from "@/lib/api-keys/keys";
import { hasRole } from "@/lib/accounts/roles";
import { getEnv } from "@/lib/config/env";
import { PageHeader } from "@/components/ui/page-header";
import { Card, CardHeader } from "@/components/ui/card";
import { CreateKeyForm } from "@/components/api-keys/create-key-form";
import { KeysTable } from "@/components/api-keys/keys-table";
import { createApiKeyAction, revokeApiKeyAction } from "./actions";

export const metadata: Metadata = { title: "API keys" };

export default async function ApiKeysPage() {
  const { account, ctx } = await requireAccountContext();
  const keys = await listApiKeys(getDb(), account.id);
  const canManageAll = hasRole(ctx.role, "admin");
  return (
    <>
      <PageHeader title="API keys" description={`Keys bill usage to ${account.name}. Use them with any OpenAI client at ${getEnv().APP_URL}/api/v1.`} />
      <div className="grid gap-6">
        <Card>
          <CardHeader title="Create a key" description="The secret is shown once. Store it in your secret manager." />
          <CreateKeyForm action={createApiKeyAction} />
        </Card>
        <Card>
          <CardHeader title="Keys" description={canManageAll ? "As an admin you can revoke any key." : "You can revoke the keys you created."} />
          <KeysTable keys={keys} currentUserId={ctx.userId} canManageAll={canManageAll} revokeAction={revokeApiKeyAction} />
        </Card>
      </div>
    </>
  );
}
