import type { Metadata } from "next";
import Link from "next/link";
import { requireAccountContext } from "@/lib/auth/server";
import { getDb } from "@/db/client";
import { listMembers } from "@/lib/accounts/members";
import { listApiKeys } from "@/lib/api-keys/keys";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { Badge } from "@/components/ui/badge";
import { formatInteger } from "@/components/ui/format";

export const metadata: Metadata = { title: "Overview" };

export default async function DashboardPage() {
  const { account } = await requireAccountContext();
  const db = getDb();
  const [members, keys] = await Promise.all([listMembers(db, account.id), listApiKeys(db, account.id)]);
  const activeKeys = keys.filter((k) => !k.revokedAt).length;
  return (
    <>
      <PageHeader title={account.name} description={account.kind === "team" ? "Team account" : "Personal account"}>
        <Badge tone="brand">{account.plan} plan</Badge>
      </PageHeader>
      <div className="grid gap-4 sm:grid-cols-3">
        <Stat label="Members" value={formatInteger(members.length)} href="/settings/team" />
        <Stat label="Active API keys" value={formatInteger(activeKeys)} href="/settings/api-keys" />
        <Stat label="Your role" value={account.role} />
      </div>
    </>
  );
}

function Stat({ label, value, href }: { label: string; value: string; href?: string }) {
  return (
    <Card>
      <p className="text-sm text-zinc-600">{label}</p>
      <p className="tabular mt-1 text-2xl font-semibold capitalize">{value}</p>
      {href ? (
        <Link href={href} className="mt-2 inline-block text-sm font-medium text-brand-700 hover:underline">
          Manage
        </Link>
      ) : null}
    </Card>
  );
}
