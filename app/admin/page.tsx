import Link from "next/link";
import { getDb } from "@/db/client";
import { requirePlatformAdminOr404 } from "@/lib/admin/http/server";
import { getPlatformOverview } from "@/lib/admin/overview";
import { DataTable } from "@/components/admin/data-table";
import { UsageBars } from "@/components/admin/usage-bars";
import { Card, CardHeader } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { formatCents, formatDateTime, formatInteger } from "@/components/ui/format";

export const metadata = { title: "Admin · Meterline" };

export default async function AdminOverviewPage() {
  const admin = await requirePlatformAdminOr404();
  const o = await getPlatformOverview(getDb(), admin);
  const stat = (label: string, value: string, testId: string) => (
    <div className="rounded-md border border-zinc-200 bg-white p-3">
      <p className="text-xs uppercase text-zinc-600">{label}</p>
      <p className="text-lg font-semibold text-zinc-900" data-testid={testId}>
        {value}
      </p>
    </div>
  );
  const customer = (id: string) => (
    <Link className="text-brand-700 underline" href={`/admin/customers/${id}`}>
      {id}
    </Link>
  );
  return (
    <div className="flex flex-col gap-6">
      <PageHeader title="Platform overview" description="The last 30 days." />
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        {stat("Active accounts", `${formatInteger(o.accounts.activeLast30Days)} of ${formatInteger(o.accounts.total)}`, "stat-active")}
        {stat("Frozen / past due", `${o.accounts.frozen} / ${o.accounts.pastDue}`, "stat-frozen")}
        {stat("Revenue", formatCents(o.revenueCents.total), "stat-revenue")}
        {stat("Breaker trips", formatInteger(o.trips.length), "stat-trips")}
      </div>
      <Card>
        <CardHeader title="Credits consumed per day" />
        <UsageBars points={o.creditsPerDay} label="Credits consumed per day, last 30 days" />
      </Card>
      <Card>
        <CardHeader title="Revenue by source" description="Packs: paid purchases net of refunds. Overage: overage credits sent to Stripe at the overage price. Subscriptions: paid invoices minus that overage." />
        <DataTable caption="Revenue by source" columns={["Source", "Amount"]} rows={[["Credit packs", formatCents(o.revenueCents.packs)], ["Subscriptions", formatCents(o.revenueCents.subscriptions)], ["Overage", formatCents(o.revenueCents.overage)]]} testId="revenue" />
      </Card>
      <Card>
        <CardHeader title="Flagged invoices" description="More than 50% above the customer's previous invoice; credit them from the customer's page before they are sent." />
        <DataTable
          caption="Flagged invoices"
          columns={["Customer", "Invoice", "Total", "Previous", "Increase", "Flagged"]}
          rows={o.flaggedInvoices.map((f) => [customer(f.accountId), f.invoiceId, formatCents(f.totalCents), formatCents(f.previousTotalCents), `+${(f.increaseBps / 100).toFixed(1)}%`, formatDateTime(f.createdAt)])}
          testId="flagged-invoices"
        />
      </Card>
      <Card>
        <CardHeader title="Reconciliation divergences" description="Ledger overage vs Stripe's meter, over 1%." />
        <DataTable
          caption="Reconciliation divergences"
          columns={["Customer", "Ledger", "Stripe", "Divergence", "Detected"]}
          rows={o.divergences.map((d) => [customer(d.accountId), formatInteger(d.ledgerCredits), formatInteger(d.stripeCredits), `${(d.divergenceBps / 100).toFixed(2)}%`, formatDateTime(d.detectedAt)])}
        />
      </Card>
      <Card>
        <CardHeader title="Breaker trips" />
        <DataTable
          caption="Breaker trips"
          columns={["Customer", "Scope", "Cause", "Tripped", "Resumed"]}
          rows={o.trips.map((t) => [customer(t.accountId), t.scope, t.cause.replace("_", " "), formatDateTime(t.trippedAt), t.resumedAt ? formatDateTime(t.resumedAt) : "still tripped"])}
          testId="trips"
        />
      </Card>
    </div>
  );
}
