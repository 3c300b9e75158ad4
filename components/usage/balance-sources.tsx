import { Credits } from "@/components/ui/credits";
import { formatDate } from "@/components/ui/format";
import { sourceLabel } from "@/lib/usage/sources";
import type { UsageDashboard } from "@/lib/usage/dashboard";

/** Credits left, by where they came from, in the order they are spent (soonest expiry first). */
export function BalanceSources({ d }: { d: UsageDashboard }) {
  return (
    <div>
      <p className="text-sm text-zinc-600">Balance left</p>
      <p className="mt-1">
        <Credits value={d.availableCredits} className="tabular text-2xl font-semibold text-zinc-900" testId="usage-available-credits" />{" "}
        <span className="text-sm text-zinc-600">credits</span>
      </p>
      {d.heldCredits > 0 ? (
        <p className="text-xs text-zinc-600" data-testid="usage-held">
          <Credits value={d.heldCredits} /> held by requests in flight
        </p>
      ) : null}
      {d.reservedAheadCredits > 0 ? (
        <p className="text-xs text-zinc-600" data-testid="usage-reserved-ahead">
          <Credits value={d.reservedAheadCredits} /> of the balance left is set aside for your busy API keys&apos; next requests (returned within seconds when they go quiet)
        </p>
      ) : null}
      <dl className="mt-3 divide-y divide-zinc-100 text-sm" data-testid="usage-sources">
        {d.sources.map((s) => (
          <div key={s.source} className="flex flex-wrap items-start justify-between gap-x-4 py-1.5" data-testid={`usage-source-${s.source}`}>
            <dt className="text-zinc-700">{sourceLabel[s.source]}</dt>
            <dd className="text-right">
              <Credits value={s.totalCredits} className="tabular font-medium" />
              {s.lines.map((l) => (
                <span key={l.expiresAt?.toISOString() ?? "never"} className="block text-xs text-zinc-600">
                  {s.lines.length > 1 ? <Credits value={l.remainingCredits} compact /> : null}
                  {s.lines.length > 1 ? " · " : ""}
                  {l.expiresAt ? `expires ${formatDate(l.expiresAt)}` : "never expires"}
                </span>
              ))}
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
