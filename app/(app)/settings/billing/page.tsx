import type { Metadata } from "next";
import { getDb } from "@/db/client";
import { requireAccountContext } from "@/lib/auth/server";
import { hasRole } from "@/lib/accounts/roles";
import { findPack } from "@/lib/config/catalog";
import { getBillingOverview } from "@/lib/billing/overview";
import { PageHeader } from "@/components/ui/page-header";
import { Card, CardHeader } from "@/components/ui/card";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { ActionButton } from "@/components/ui/action-button";
import { formatCents, formatDate, formatInteger } from "@/components/ui/format";
import { AutoRechargeForm } from "@/components/billing/auto-recharge-form";
import { InvoicesCard } from "@/components/billing/invoices-card";
import { PacksCard } from "@/components/billing/packs-card";
import { PlanCard } from "@/components/billing/plan-card";
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
  const ar = o.autoRecharge;
  const arPack = ar ? findPack(ar.packKey) : undefined;
  // A checkout that was opened but never paid (closed, declined) is not a purchase.
  const purchases = o.purchases.filter((p) => p.status !== "pending");
  return (
    <div data-testid="billing-page">
      <PageHeader title="Billing" description={`Plan, credits and invoices for ${account.name}. ${o.catalog.creditRatio}.`}>
        {canManage && o.hasStripeCustomer ? <ActionButton action={portalAction} fields={{}} label="Customer portal" pendingLabel="Opening portal…" variant="secondary" testId="portal" /> : null}
      </PageHeader>
      {/* One shrinkable column: a wide invoice table scrolls inside its card instead of widening the page. */}
      <div className="grid grid-cols-1 gap-6">
        {notice ? <Alert tone={notice.tone}>{notice.text}</Alert> : null}
        {o.status === "past_due" ? (
          <Alert tone="error" data-testid="past-due">
            Your last invoice is unpaid: overage is paused until it is paid. Update your card in the customer portal.
          </Alert>
        ) : null}
        {!canManage ? <Alert tone="info">Only admins and owners can change billing.</Alert> : null}

        <Card>
          <CardHeader title="Balance" description={`This period: ${formatDate(o.balance.period.start)} – ${formatDate(o.balance.period.end)}`} />
          <dl className="grid gap-4 sm:grid-cols-3">
            <div>
              <dt className="text-xs font-medium uppercase tracking-wide text-zinc-600">Available</dt>
              <dd className="mt-1 text-3xl font-semibold tabular-nums text-zinc-900" data-testid="available-credits" data-value={o.balance.availableCredits}>
                {formatInteger(o.balance.availableCredits)}
                <span className="text-base font-normal text-zinc-600"> credits</span>
              </dd>
            </div>
            {o.balance.heldCredits > 0 ? (
              <div>
                <dt className="text-xs font-medium uppercase tracking-wide text-zinc-600">Held by running requests</dt>
                <dd className="mt-1 text-xl tabular-nums text-zinc-900">{formatInteger(o.balance.heldCredits)}</dd>
              </div>
            ) : null}
            {o.plan.overageAllowed ? (
              <div>
                <dt className="text-xs font-medium uppercase tracking-wide text-zinc-600">Overage this period</dt>
                <dd className="mt-1 text-xl tabular-nums text-zinc-900" data-testid="billing-overage">
                  {formatInteger(o.balance.overageUsedCredits)} <span className="text-sm text-zinc-600">credits</span>
                </dd>
              </div>
            ) : null}
          </dl>
        </Card>

        <PlanCard o={o} canManage={canManage} actions={{ subscribe: subscribeAction, changePlan: changePlanAction, cancel: cancelAction, resume: resumeAction }} />

        <PacksCard packs={o.catalog.packs} canManage={canManage} buy={buyPackAction} />

        <Card>
          <CardHeader
            title="Auto-recharge"
            description="Uses the card saved with your last pack purchase. A declined card turns it off and tells you here."
            action={
              <Badge tone={ar?.enabled ? "green" : "neutral"} data-testid="auto-recharge-status">
                {ar?.enabled ? `On: ${arPack ? formatInteger(arPack.credits) : ar.packKey} credits below ${formatInteger(ar.thresholdCredits)}` : "Off"}
              </Badge>
            }
          />
          {!o.hasStripeCustomer ? <p className="mb-3 text-sm text-zinc-600">Buy a pack first: auto-recharge charges the card you save with it.</p> : null}
          <AutoRechargeForm action={setAutoRechargeAction} packs={o.catalog.packs} current={o.autoRecharge} disabled={!canManage} />
        </Card>

        <InvoicesCard invoices={o.invoices} />

        <Card>
          <CardHeader title="Credit purchases" description="Packs bought through checkout or auto-recharge." />
          {purchases.length === 0 ? (
            <p className="text-sm text-zinc-600">No purchases yet.</p>
          ) : (
            <ul className="divide-y divide-zinc-100 text-sm" data-testid="purchases">
              {purchases.map((p) => (
                <li key={p.id} className="flex flex-wrap items-center justify-between gap-2 py-2" data-testid="purchase-row">
                  <span>
                    <span className="font-medium tabular-nums">{formatInteger(p.credits)}</span> credits{p.kind === "auto_recharge" ? " (auto-recharge)" : ""}
                    <span className="text-zinc-600"> · {formatDate(p.createdAt)}</span>
                  </span>
                  <span className="flex items-center gap-2 tabular-nums">
                    {formatCents(p.amountCents)} <Badge tone={p.status === "paid" ? "green" : p.status === "failed" ? "red" : "neutral"}>{p.status.replace("_", " ")}</Badge>
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
    </div>
  );
}
