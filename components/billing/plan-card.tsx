import { Card, CardHeader } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { ActionButton } from "@/components/ui/action-button";
import { formatCents, formatDate, formatInteger } from "@/components/ui/format";
import type { BillingOverview } from "@/lib/billing/overview";
import type { ActionResult } from "@/lib/http/action";

type Action = (prev: ActionResult, form: FormData) => Promise<ActionResult>;
export type PlanActions = { subscribe: Action; changePlan: Action; cancel: Action; resume: Action };

/** Stripe's subscription status as a customer reads it. */
function statusBadge(o: BillingOverview) {
  const sub = o.subscription;
  if (o.status === "past_due" || sub?.status === "past_due") return <Badge tone="red">Past due</Badge>;
  if (!sub) return <Badge tone="green">Active</Badge>;
  if (sub.cancelAtPeriodEnd) return <Badge tone="amber">Cancels {formatDate(sub.currentPeriodEnd)}</Badge>;
  if (sub.status === "active") return <Badge tone="green">Active</Badge>;
  return <Badge tone="amber">{sub.status.replaceAll("_", " ")}</Badge>;
}

const perMillion = (plan: BillingOverview["catalog"]["plans"][number]) =>
  plan.stripe ? formatCents((plan.stripe.overage.centsPerUnit * 1_000_000) / plan.stripe.overage.unitCredits) : null;

/** Current plan (numbers first), then every self-serve plan with the one action that gets there. */
export function PlanCard({ o, canManage, actions }: { o: BillingOverview; canManage: boolean; actions: PlanActions }) {
  const sub = o.subscription;
  const period = sub ? { start: sub.currentPeriodStart, end: sub.currentPeriodEnd } : o.balance.period;
  return (
    <Card>
      <CardHeader title="Plan" description={sub ? `Billed monthly through Stripe. Period ${formatDate(period.start)} – ${formatDate(period.end)}.` : "No subscription: you use your signup credits and any packs you buy."} />
      <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4" data-testid="billing-plan">
        <div>
          <dt className="text-xs font-medium uppercase tracking-wide text-zinc-600">Current plan</dt>
          <dd className="mt-1 flex flex-wrap items-center gap-2">
            <span className="text-xl font-semibold text-zinc-900" data-testid="plan-name">
              {o.plan.name}
            </span>
            {statusBadge(o)}
          </dd>
        </div>
        <div>
          <dt className="text-xs font-medium uppercase tracking-wide text-zinc-600">Price</dt>
          <dd className="mt-1 text-xl font-semibold tabular-nums text-zinc-900">
            {formatCents(o.plan.monthlyPriceCents)}
            <span className="text-sm font-normal text-zinc-600"> / month</span>
          </dd>
        </div>
        <div>
          <dt className="text-xs font-medium uppercase tracking-wide text-zinc-600">Included credits</dt>
          <dd className="mt-1 text-xl font-semibold tabular-nums text-zinc-900">
            {formatInteger(o.plan.includedCredits)}
            <span className="text-sm font-normal text-zinc-600"> / period</span>
          </dd>
        </div>
        <div>
          <dt className="text-xs font-medium uppercase tracking-wide text-zinc-600">{sub?.cancelAtPeriodEnd ? "Ends" : sub ? "Renews" : "Period"}</dt>
          <dd className="mt-1 text-sm tabular-nums text-zinc-900" data-testid="plan-period">
            {sub ? formatDate(sub.currentPeriodEnd) : `${formatDate(period.start)} – ${formatDate(period.end)}`}
          </dd>
        </div>
      </dl>

      <ul className="mt-5 grid gap-3 sm:grid-cols-2" aria-label="Plans">
        {o.catalog.plans.map((p) => {
          const current = p.key === o.plan.key;
          const overage = perMillion(p);
          return (
            <li key={p.key} className={`flex flex-col gap-2 rounded-md border p-4 ${current ? "border-brand-600 bg-brand-50/40" : "border-zinc-200"}`}>
              <div className="flex items-baseline justify-between gap-2">
                <span className="font-medium text-zinc-900">{p.name}</span>
                <span className="tabular-nums text-zinc-900">
                  {formatCents(p.stripe?.monthlyPriceCents ?? 0)}
                  <span className="text-sm text-zinc-600">/mo</span>
                </span>
              </div>
              <p className="text-sm text-zinc-700">
                {p.includedCredits > 0 ? `${formatInteger(p.includedCredits)} credits included each period` : "Signup credits, hard cap"}
                {overage ? `, then ${overage} per 1M credits` : ", no overage"}
              </p>
              <div className="mt-auto flex flex-wrap items-center gap-2 pt-1">{current ? <Badge tone="brand">Current plan</Badge> : canManage ? planAction(o, p.key, p.name, actions) : null}</div>
            </li>
          );
        })}
      </ul>
      {canManage && sub ? (
        <div className="mt-4 flex flex-wrap items-center gap-3 border-t border-zinc-100 pt-4">
          {sub.cancelAtPeriodEnd ? (
            <>
              <p className="text-sm text-zinc-700">Your subscription ends on {formatDate(sub.currentPeriodEnd)}; you keep {o.plan.name} until then.</p>
              <ActionButton action={actions.resume} fields={{}} label="Keep my subscription" variant="primary" testId="resume" />
            </>
          ) : (
            <ActionButton action={actions.cancel} fields={{}} label="Cancel subscription" confirm={`Cancel at the end of the period (${formatDate(sub.currentPeriodEnd)})?`} testId="cancel" />
          )}
        </div>
      ) : null}
      <p className="mt-4 text-sm text-zinc-600">
        Need more? <a href={o.catalog.enterprise.contactUrl} className="text-brand-700 underline">{o.catalog.enterprise.name}: contact us</a>
      </p>
    </Card>
  );
}

function planAction(o: BillingOverview, planKey: string, planName: string, actions: PlanActions) {
  const sub = o.subscription;
  const target = o.catalog.plans.find((p) => p.key === planKey);
  if (!sub) {
    // No subscription yet: a paid plan goes through Checkout; Free is where the account already is.
    return target?.stripe ? <ActionButton action={actions.subscribe} fields={{ plan: planKey }} label={`Upgrade to ${planName}`} variant="primary" testId={`subscribe-${planKey}`} /> : null;
  }
  if (!target?.stripe) {
    if (sub.cancelAtPeriodEnd) return <span className="text-sm text-zinc-600">From {formatDate(sub.currentPeriodEnd)}</span>;
    return <ActionButton action={actions.changePlan} fields={{ plan: planKey }} label={`Downgrade to ${planName}`} variant="secondary" confirm={`Move to ${planName} at the end of the period (${formatDate(sub.currentPeriodEnd)})?`} testId={`change-plan-${planKey}`} />;
  }
  return <ActionButton action={actions.changePlan} fields={{ plan: planKey }} label={`Switch to ${planName}`} variant="secondary" testId={`change-plan-${planKey}`} />;
}
