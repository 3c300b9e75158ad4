import { randomUUID } from "node:crypto";
import { getDb } from "@/db/client";
import { getCustomerDetail } from "@/lib/admin/customer";
import { requirePlatformAdminOr404 } from "@/lib/admin/http/server";
import { isAppError } from "@/lib/errors";
import { notFound } from "next/navigation";
import { AdminActionForm } from "@/components/admin/admin-action-form";
import { DataTable } from "@/components/admin/data-table";
import { UsageBars } from "@/components/admin/usage-bars";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { formatCents, formatDateTime, formatInteger } from "@/components/ui/format";
import { adjustCreditsAction, invoiceCreditAction, resetBreakerAction, setLimitsAction, setStatusAction } from "./actions";

export const metadata = { title: "Customer · Admin" };

const signed = (n: number) => (n > 0 ? `+${formatInteger(n)}` : formatInteger(n));

export default async function CustomerPage({ params }: { params: Promise<{ id: string }> }) {
  const admin = await requirePlatformAdminOr404();
  const { id } = await params;
  const d = await getCustomerDetail(getDb(), admin, id).catch((e) => {
    if (isAppError(e) && e.code === "not_found") notFound();
    throw e;
  });
  const { account, usage, protection } = d;
  const hidden = { accountId: account.id };
  return (
    <div className="flex flex-col gap-6">
      <PageHeader title={account.name} description={`${account.id} · ${account.kind} · plan ${account.plan}`}>
        <Badge tone={account.status === "active" ? "green" : "red"} data-testid="customer-status">
          {account.status}
        </Badge>
      </PageHeader>

      {account.statusReason ? (
        <Alert tone="warning" data-testid="status-reason">
          {account.statusReason}
        </Alert>
      ) : null}

      <Card data-testid="breaker-status">
        <CardHeader title="Circuit breaker" description={protection.breakerEnabled ? "On" : "Off for this account"} />
        {protection.openTrips.length === 0 ? <p className="text-sm text-zinc-700">Not tripped.</p> : null}
        {protection.openTrips.map((t) => (
          <Alert key={t.id} tone="error" className="mb-2" data-testid="open-trip">
            <strong>{t.scope === "account" ? "Account frozen" : `API key ${t.apiKeyId} paused`}</strong> ({t.cause.replace("_", " ")}, {formatDateTime(t.trippedAt)}): {t.message}
          </Alert>
        ))}
        {protection.cautiousUntil ? <p className="text-sm text-amber-900">Cautious mode until {formatDateTime(protection.cautiousUntil)}.</p> : null}
        <DataTable
          caption="Recent trips"
          columns={["Tripped", "Scope", "Cause", "Resumed", "By / reason"]}
          rows={protection.recentTrips.map((t) => [formatDateTime(t.trippedAt), t.scope, t.cause.replace("_", " "), t.resumedAt ? formatDateTime(t.resumedAt) : "—", t.resumeReason ?? "—"])}
        />
      </Card>

      <Card>
        <CardHeader title="This period" description={`${formatDateTime(usage.period.start)} – ${formatDateTime(usage.period.end)}`} />
        <div className="mb-4 grid grid-cols-2 gap-3 text-sm md:grid-cols-4">
          <p>
            Used <strong data-testid="period-used">{formatInteger(usage.usedCredits)}</strong>
          </p>
          <p>
            Available <strong data-testid="available">{formatInteger(usage.availableCredits)}</strong>
          </p>
          <p>
            Overage <strong>{formatInteger(usage.overageCredits)}</strong> ({formatCents(usage.overageCents)})
          </p>
          <p>
            Limits: soft {usage.limits.softLimitCredits === null ? "none" : formatInteger(usage.limits.softLimitCredits)}, hard{" "}
            {usage.limits.hardLimit === null ? "off" : formatInteger(usage.limits.hardLimit)}
            {usage.limits.blockOverage ? ", overage blocked" : ""}
          </p>
        </div>
        <UsageBars points={usage.daily.map((p) => ({ day: p.day, credits: p.chargedCredits }))} label="Credits charged per day" />
      </Card>

      <Card>
        <CardHeader title="Actions" description="Each needs a reason and is written to the audit log." />
        <div className="flex flex-col gap-3">
          <AdminActionForm action={adjustCreditsAction} title="Grant or deduct credits" testId="grant-form" submitLabel="Apply" hidden={{ ...hidden, idempotencyKey: randomUUID() }} fields={[{ kind: "input", name: "credits", label: "Credits (negative deducts)", type: "number", required: true }]} />
          <AdminActionForm
            action={setLimitsAction}
            title="Set limits"
            testId="limits-form"
            submitLabel="Save limits"
            hidden={hidden}
            fields={[
              { kind: "input", name: "softLimitCredits", label: "Soft limit (credits, 'none')", defaultValue: usage.limits.softLimitCredits === null ? "none" : String(usage.limits.softLimitCredits) },
              { kind: "input", name: "hardLimit", label: `Hard limit (${usage.limits.hardLimitUnit}, 'none')`, defaultValue: usage.limits.hardLimit === null ? "none" : String(usage.limits.hardLimit) },
              { kind: "select", name: "blockOverage", label: "Block overage", options: [{ value: "off", label: "No" }, { value: "on", label: "Yes" }], defaultValue: usage.limits.blockOverage ? "on" : "off" },
            ]}
          />
          <AdminActionForm
            action={setStatusAction}
            title={account.status === "frozen" ? "Unfreeze" : "Freeze"}
            testId="status-form"
            submitLabel={account.status === "frozen" ? "Unfreeze" : "Freeze"}
            tone="danger"
            hidden={{ ...hidden, status: account.status === "frozen" ? "active" : "frozen" }}
            fields={[]}
          />
          <AdminActionForm action={resetBreakerAction} title="Reset the circuit breaker" testId="reset-breaker-form" submitLabel="Reset breaker" hidden={hidden} fields={[]} />
          <AdminActionForm
            action={invoiceCreditAction}
            title="Apply an invoice credit"
            testId="invoice-credit-form"
            submitLabel="Credit invoice"
            hidden={hidden}
            fields={[
              { kind: "input", name: "invoiceId", label: "Invoice id", required: true, defaultValue: d.flags.find((f) => f.status === "open")?.invoiceId ?? "" },
              { kind: "input", name: "amountCents", label: "Amount (cents)", type: "number", required: true },
            ]}
          />
        </div>
      </Card>

      <Card>
        <CardHeader title="Grants" />
        <DataTable
          caption="Grants"
          testId="grants"
          columns={["Kind", "Amount", "Remaining", "Expires", "Reason", "Created"]}
          rows={d.grants.map((g) => [g.kind, formatInteger(g.amountCredits), formatInteger(g.remainingCredits), g.expiresAt ? formatDateTime(g.expiresAt) : "never", g.reason ?? "—", formatDateTime(g.createdAt)])}
        />
      </Card>

      <Card>
        <CardHeader title="Journal" description="The newest 50 ledger entries." />
        <DataTable
          caption="Journal"
          testId="journal"
          columns={["#", "Kind", "Remaining Δ", "Held Δ", "Overage Δ", "Request / grant", "Reason", "At"]}
          rows={d.journal.map((e) => [e.id, e.kind, signed(e.remainingDelta), signed(e.heldDelta), signed(e.overageUsedDelta), e.requestId ?? e.grantId ?? "—", e.reason ?? "—", formatDateTime(e.createdAt)])}
        />
      </Card>

      <Card>
        <CardHeader title="Holds in flight" />
        <DataTable
          caption="Holds in flight"
          columns={["Request", "Credits", "Overage", "Placed ahead", "Expires"]}
          rows={d.inFlight.map((h) => [h.requestId, formatInteger(h.credits), formatInteger(h.overageCredits), h.meta?.pool ? "yes (hold pool)" : "—", formatDateTime(h.expiresAt)])}
        />
      </Card>

      <Card>
        <CardHeader title="Invoices" />
        <DataTable
          caption="Invoices"
          testId="invoices"
          columns={["Invoice", "Status", "Total", "Due", "Period", "Spike guard"]}
          rows={d.invoices.map((i) => {
            const flag = d.flags.find((f) => f.invoiceId === i.id);
            return [
              i.number ?? i.id,
              i.status,
              formatCents(i.totalCents),
              formatCents(i.amountDueCents),
              `${formatDateTime(i.periodStart)} – ${formatDateTime(i.periodEnd)}`,
              flag ? `${flag.status === "open" ? "FLAGGED" : flag.status} +${(flag.increaseBps / 100).toFixed(1)}% (${flag.breakdown.map((b) => `${b.description}: ${formatCents(b.amountCents)}`).join("; ")})` : "—",
            ];
          })}
        />
      </Card>

      <Card>
        <CardHeader title="Notifications" />
        <DataTable
          caption="Notifications"
          testId="notifications"
          columns={["When", "Kind", "Title", "Audience", "Deliveries"]}
          rows={d.notifications.map((n) => [formatDateTime(n.createdAt), n.kind, n.title, n.audience, n.deliveries.map((x) => `${x.channel} ${x.recipient}: ${x.status}`).join(", ") || "in-app only"])}
        />
      </Card>

      <Card>
        <CardHeader title="Audit log" />
        <DataTable
          caption="Audit log"
          testId="audit-log"
          columns={["When", "Action", "Actor", "Reason"]}
          rows={d.audit.map((a) => [formatDateTime(a.createdAt), a.action, a.actorUserId ?? "system", a.reason ?? "—"])}
        />
      </Card>
    </div>
  );
}
