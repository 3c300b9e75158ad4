import type { Metadata } from "next";
import { getDb } from "@/db/client";
import { requireAccountContext } from "@/lib/auth/server";
import { hasRole } from "@/lib/accounts/roles";
import { getBillingOverview } from "@/lib/billing/overview";
import { PageHeader } from "@/components/ui/page-header";
import { Card, CardHeader } from "@/components/ui/card";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { ActionButton } from "@/components/ui/action-button";
import { formatCents, formatDate, formatInteger } from "@/components/ui/format";
import { AutoRechargeForm } from "@/components/billing/auto-recharge-form";
import { buyPackAction, cancelAction, changePlanAction, portalAction, resumeAction, setAutoRechargeAction, subscribeAction } from "./actions";

export const metadata: Metadata = { title: "Billing" };

const notices: Record<string, { tone: "success" | "info"; text: string }> = {
  subscribed: { tone: "success", text: "Subscribed. Your plan updates as soon as Stripe confirms the payment." },
  canceled: { tone: "info", text: "Checkout canceled; nothing was charged." },
};

export default async function BillingPage({ searchParams }: { searchParams: Promise<{ checkout?: string }> }) {
  const { account, ctx } = await requireAccountContext();
  const o = await getBillingOverview(getDb(), account.id);
  const canManage = hasRole(ctx.role, "admin");
  const notice = notices[(await searchParams).checkout ?? ""];
  const sub = o.subscription;
  return (
    <>
      <PageHeader title="Billing" description={`Plan, credits and invoices for ${account.name}. ${o.catalog.creditRatio}.`}>
        {canManage && o.hasStripeCustomer ? <ActionButton action={portalAction} fields={{}} label="Manage payment methods" variant="secondary" testId="portal" /> : null}
      </PageHeader>
      <div className="grid gap-6">
        {notice ? <Alert tone={notice.tone}>{notice.text}</Alert> : null}
        {o.status === "past_due" ? <Alert tone="error">Your last invoice is unpaid: overage is paused until it is paid. Update your card in the portal.</Alert> : null}
        {!canManage ? <Alert tone="info">Only admins and owners can change billing.</Alert> : null}

        <Card>
          <CardHeader title="Balance" description={`Period ${formatDate(o.balance.period.start)} – ${formatDate(o.balance.period.end)}`} />
          <p className="text-3xl font-semibold tabular-nums" data-testid="available-credits">
            {formatInteger(o.balance.availableCredits)} <span className="text-base font-normal text-zinc-600">credits available</span>
          </p>
          {o.plan.overageAllowed ? <p className="mt-1 text-sm text-zinc-600">Overage this period: {formatInteger(o.balance.overageUsedCredits)} credits</p> : null}
        </Card>

        <Card>
          <CardHeader title="Plan" description={sub ? `Renews ${formatDate(sub.currentPeriodEnd)}` : "Free: signup credits, a hard cap, no overage."} />
          <div className="flex flex-wrap items-center gap-3">
            <span className="text-lg font-semibold" data-testid="plan-name">{o.plan.name}</span>
            {sub ? <Badge tone={sub.status === "active" ? "green" : "amber"}>{sub.status}</Badge> : null}
            {sub?.cancelAtPeriodEnd ? <Badge tone="amber">ends {formatDate(sub.currentPeriodEnd)}</Badge> : null}
          </div>
          {canManage ? (
            <div className="mt-4 flex flex-wrap gap-3">
              {o.catalog.plans
                .filter((p) => p.stripe && p.key !== sub?.plan)
                .map((p) =>
                  sub ? (
                    <ActionButton key={p.key} action={changePlanAction} fields={{ plan: p.key }} label={`Switch to ${p.name}`} variant="secondary" />
                  ) : (
                    <ActionButton key={p.key} action={subscribeAction} fields={{ plan: p.key }} label={`Upgrade to ${p.name} — ${p.tagline}`} variant="secondary" testId={`subscribe-${p.key}`} />
                  ),
                )}
              {sub && !sub.cancelAtPeriodEnd ? <ActionButton action={cancelAction} fields={{}} label="Cancel at period end" confirm="Cancel at the end of the period?" testId="cancel" /> : null}
              {sub?.cancelAtPeriodEnd ? <ActionButton action={resumeAction} fields={{}} label="Keep my subscription" variant="secondary" testId="resume" /> : null}
              <a href={o.catalog.enterprise.contactUrl} className="self-center text-sm text-brand-700 underline">
                {o.catalog.enterprise.name}: contact us
              </a>
            </div>
          ) : null}
        </Card>

        <Card>
          <CardHeader title="Buy credits" description="Prepaid credits never expire and are used after your included allowance." />
          <ul className="grid gap-3 sm:grid-cols-3">
            {o.catalog.packs.map((p) => (
              <li key={p.key} className="flex flex-col gap-2 rounded-md border border-zinc-200 p-4">
                <span className="font-medium">{p.name}</span>
                <span className="text-sm text-zinc-600">{formatCents(p.priceCents)}</span>
                {canManage ? <ActionButton action={buyPackAction} fields={{ packKey: p.key }} label="Buy" variant="secondary" testId={`buy-${p.key}`} /> : null}
              </li>
            ))}
          </ul>
        </Card>

        <Card>
          <CardHeader title="Auto-recharge" description="Uses the card saved with your last pack purchase. A declined card turns it off and tells you here." />
          <AutoRechargeForm action={setAutoRechargeAction} packs={o.catalog.packs} current={o.autoRecharge} disabled={!canManage} />
        </Card>

        <Card>
          <CardHeader title="Invoices" />
          {o.invoices.length === 0 ? (
            <p className="text-sm text-zinc-600">No invoices yet.</p>
          ) : (
            <table className="w-full text-left text-sm" data-testid="invoices">
              <thead className="text-zinc-600">
                <tr>
                  <th className="py-1">Number</th>
                  <th>Period</th>
                  <th>Amount</th>
                  <th>Status</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {o.invoices.map((i) => (
                  <tr key={i.id} className="border-t border-zinc-100">
                    <td className="py-1.5">{i.number ?? "draft"}</td>
                    <td>
                      {formatDate(i.periodStart)} – {formatDate(i.periodEnd)}
                    </td>
                    <td className="tabular-nums">{formatCents(i.totalCents)}</td>
                    <td>
                      <Badge tone={i.status === "paid" ? "green" : i.status === "open" ? "amber" : "neutral"}>{i.status}</Badge>
                    </td>
                    <td>{i.url ? <a href={i.url} className="text-brand-700 underline">View</a> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>

        {o.purchases.length > 0 ? (
          <Card>
            <CardHeader title="Credit purchases" />
            <ul className="divide-y divide-zinc-100 text-sm">
              {o.purchases.map((p) => (
                <li key={p.id} className="flex justify-between py-1.5">
                  <span>
                    {formatInteger(p.credits)} credits {p.kind === "auto_recharge" ? "(auto-recharge)" : ""} · {formatDate(p.createdAt)}
                  </span>
                  <span>
                    {formatCents(p.amountCents)} <Badge tone={p.status === "paid" ? "green" : "neutral"}>{p.status.replace("_", " ")}</Badge>
                  </span>
                </li>
              ))}
            </ul>
          </Card>
        ) : null}
      </div>
    </>
  );
}
