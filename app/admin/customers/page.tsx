import Link from "next/link";
import { getDb } from "@/db/client";
import { searchCustomers } from "@/lib/admin/customers";
import { requirePlatformAdminOr404 } from "@/lib/admin/http/server";
import { searchSchema } from "@/lib/admin/schemas";
import { DataTable } from "@/components/admin/data-table";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { formatCents, formatDateTime, formatInteger } from "@/components/ui/format";

export const metadata = { title: "Customers · Admin" };

export default async function CustomersPage({ searchParams }: { searchParams: Promise<{ q?: string }> }) {
  const admin = await requirePlatformAdminOr404();
  const { q } = searchSchema.parse(await searchParams);
  const customers = await searchCustomers(getDb(), admin, { q });
  return (
    <div className="flex flex-col gap-4">
      <PageHeader title="Customers" description="Search by name, account id or a member's email." />
      <form className="flex items-end gap-2" role="search" action="/admin/customers">
        <label className="flex flex-col gap-1 text-sm font-medium text-zinc-800">
          Search
          <input name="q" defaultValue={q} className="w-80 rounded-md border border-zinc-300 px-3 py-2 text-sm" data-testid="customer-search" />
        </label>
        <Button type="submit" data-testid="customer-search-submit">
          Search
        </Button>
      </form>
      <Card>
        <DataTable
          caption="Customers"
          testId="customers"
          columns={["Customer", "Plan", "Status", "Balance", "Used this period", "Overage", "Last activity"]}
          rows={customers.map((c) => [
            <div key="n" className="flex flex-col">
              <Link href={`/admin/customers/${c.id}`} className="font-medium text-brand-700 underline" data-testid="customer-link">
                {c.name}
              </Link>
              <span className="text-xs text-zinc-600">{c.ownerEmail ?? c.id}</span>
            </div>,
            c.plan,
            <Badge key="s" tone={c.status === "active" ? "green" : "red"}>
              {c.status}
            </Badge>,
            formatInteger(c.availableCredits),
            formatInteger(c.periodUsedCredits),
            `${formatInteger(c.overageCredits)} (${formatCents(c.overageCents)})`,
            formatDateTime(c.lastActivityAt),
          ])}
        />
      </Card>
    </div>
  );
}
