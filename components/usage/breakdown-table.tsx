import { Credits } from "@/components/ui/credits";
import { EmptyState } from "@/components/ui/empty-state";
import { formatInteger, formatShare } from "@/components/ui/format";
import type { BreakdownRow } from "@/lib/usage/breakdowns";

/** What drives usage: one row per action / model / member / key, with its share of the total. */
export function BreakdownTable({ rows, dimension, testId, limit = 8 }: { rows: BreakdownRow[]; dimension: string; testId: string; limit?: number }) {
  if (rows.length === 0) return <EmptyState title="No usage this period yet" />;
  const shown = rows.slice(0, limit);
  const rest = rows.slice(limit);
  const restCredits = rest.reduce((s, r) => s + r.chargedCredits, 0);
  const restShare = rest.reduce((s, r) => s + r.share, 0);
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid={testId}>
        <thead>
          <tr className="border-b border-zinc-200 text-xs text-zinc-600">
            <th scope="col" className="py-2 pr-3 font-medium">{dimension}</th>
            <th scope="col" className="py-2 pr-3 text-right font-medium">Credits</th>
            <th scope="col" className="hidden py-2 pr-3 text-right font-medium sm:table-cell">Requests</th>
            <th scope="col" className="w-32 py-2 text-right font-medium">Share</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr key={r.key ?? "none"} className="border-b border-zinc-100 last:border-0" data-testid={`${testId}-row`}>
              <th scope="row" className="max-w-48 truncate py-2 pr-3 font-normal text-zinc-900" title={r.label}>
                {r.label}
              </th>
              <td className="tabular py-2 pr-3 text-right">
                <Credits value={r.chargedCredits} compact />
              </td>
              <td className="tabular hidden py-2 pr-3 text-right text-zinc-700 sm:table-cell">{formatInteger(r.requests)}</td>
              <td className="py-2">
                <div className="flex items-center justify-end gap-2">
                  <span className="tabular w-12 text-right text-zinc-700">{formatShare(r.share)}</span>
                  <span aria-hidden="true" className="hidden h-1.5 w-14 overflow-hidden rounded-full bg-zinc-100 sm:block">
                    <span className="block h-full bg-brand-500" style={{ width: `${Math.round(r.share * 100)}%` }} />
                  </span>
                </div>
              </td>
            </tr>
          ))}
          {rest.length > 0 ? (
            <tr className="text-zinc-600">
              <th scope="row" className="py-2 pr-3 font-normal">{rest.length} more</th>
              <td className="tabular py-2 pr-3 text-right"><Credits value={restCredits} compact /></td>
              <td className="hidden sm:table-cell" />
              <td className="tabular py-2 text-right">{formatShare(restShare)}</td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}
