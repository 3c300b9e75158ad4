import { Card, CardHeader } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { ActionButton } from "@/components/ui/action-button";
import { formatCents, formatInteger } from "@/components/ui/format";
import type { BillingOverview } from "@/lib/billing/overview";
import type { ActionResult } from "@/lib/http/action";

type Pack = BillingOverview["catalog"]["packs"][number];
/** Integer cents per 1,000,000 credits, rounded to the cent (display only). */
const centsPerMillion = (p: Pack) => Math.round((p.priceCents * 1_000_000) / p.credits);

/** Prepaid packs: credits, price and the price per 1M credits so they compare at a glance. */
export function PacksCard({ packs, canManage, buy }: { packs: readonly Pack[]; canManage: boolean; buy: (prev: ActionResult, form: FormData) => Promise<ActionResult> }) {
  const best = Math.min(...packs.map(centsPerMillion));
  return (
    <Card>
      <CardHeader title="Buy credits" description="Prepaid credits never expire and are used after your included allowance. Paid by card on Stripe's checkout page." />
      <ul className="grid gap-3 sm:grid-cols-3">
        {packs.map((p) => (
          <li key={p.key} className="flex flex-col gap-1 rounded-md border border-zinc-200 p-4" data-testid={`pack-${p.key}`}>
            <span className="text-lg font-semibold tabular-nums text-zinc-900">{formatInteger(p.credits)}</span>
            <span className="text-sm text-zinc-600">credits</span>
            <span className="mt-2 text-xl font-semibold tabular-nums text-zinc-900">{formatCents(p.priceCents)}</span>
            <span className="flex items-center gap-2 text-sm tabular-nums text-zinc-700">
              {formatCents(centsPerMillion(p))} per 1M credits
              {centsPerMillion(p) === best && packs.length > 1 ? <Badge tone="green">Best value</Badge> : null}
            </span>
            {canManage ? (
              <div className="mt-3">
                <ActionButton action={buy} fields={{ packKey: p.key }} label={`Buy ${formatInteger(p.credits)} credits`} pendingLabel="Opening checkout…" variant="secondary" testId={`buy-pack-${p.key}`} />
              </div>
            ) : null}
          </li>
        ))}
      </ul>
    </Card>
  );
}
