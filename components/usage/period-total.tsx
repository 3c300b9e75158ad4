import { Credits } from "@/components/ui/credits";
import { ProgressBar } from "@/components/ui/progress";
import { formatCents, formatDate, formatInteger } from "@/components/ui/format";
import type { UsageDashboard } from "@/lib/usage/dashboard";

/** The big number: credits used this period against the included quota (or, on Free, against what the account had). */
export function PeriodTotal({ d }: { d: UsageDashboard }) {
  const hasQuota = d.includedCredits > 0;
  const of = hasQuota ? d.includedCredits : d.usedCredits + d.availableCredits;
  return (
    <div>
      <p className="text-sm text-zinc-600">
        Credits used this period ({formatDate(d.period.start)} – {formatDate(d.period.end)})
      </p>
      <p className="mt-1 flex flex-wrap items-baseline gap-x-2">
        <Credits value={d.usedCredits} className="tabular text-4xl font-semibold tracking-tight text-zinc-900" testId="usage-used-credits" />
        <span className="text-sm text-zinc-600" data-testid="usage-of">
          of {formatInteger(of)} {hasQuota ? "included" : "available"} credits
        </span>
      </p>
      <ProgressBar className="mt-3" value={hasQuota ? d.includedUsedCredits + d.overageCredits : d.usedCredits} max={of} label="Credits used this period" />
      {d.overageCredits > 0 ? (
        <p className="mt-2 text-sm text-amber-900" data-testid="usage-overage">
          <Credits value={d.overageCredits} /> credits of overage so far ({formatCents(d.overageCents)}), billed at the end of the period.
        </p>
      ) : null}
    </div>
  );
}
