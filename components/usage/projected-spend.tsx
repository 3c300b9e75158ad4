import { Credits } from "@/components/ui/credits";
import { formatCents } from "@/components/ui/format";
import type { UsageDashboard } from "@/lib/usage/dashboard";

/** "On track for $X this period — $Y over the included quota" (or within it), from the daily rate so far. */
export function ProjectedSpend({ d }: { d: UsageDashboard }) {
  const p = d.projection;
  const days = `${p.daysLeft} ${p.daysLeft === 1 ? "day" : "days"} left`;
  if (!d.plan.overageAllowed) {
    return (
      <p className="text-sm text-zinc-700" data-testid="usage-projection">
        On track for <Credits value={p.projectedCredits} className="font-semibold" /> credits this period ({days}) —{" "}
        {p.projectedShortfallCredits > 0 ? (
          <span className="font-medium text-amber-900">
            <Credits value={p.projectedShortfallCredits} /> more than your balance; requests stop when it runs out.
          </span>
        ) : (
          "within your balance."
        )}
      </p>
    );
  }
  return (
    <p className="text-sm text-zinc-700" data-testid="usage-projection">
      On track for <strong className="font-semibold text-zinc-900">{formatCents(p.projectedCents)}</strong> this period (<Credits value={p.projectedCredits} compact /> credits, {days}) —{" "}
      {p.projectedOverageCredits > 0 ? (
        <span className="font-medium text-amber-900">
          {formatCents(p.projectedOverageCents)} over the included quota (<Credits value={p.projectedOverageCredits} compact /> overage credits).
        </span>
      ) : (
        "within your quota."
      )}
    </p>
  );
}
