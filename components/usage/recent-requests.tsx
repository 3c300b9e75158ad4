import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Credits } from "@/components/ui/credits";
import { EmptyState } from "@/components/ui/empty-state";
import { formatDateTime, formatInteger } from "@/components/ui/format";
import type { Receipt } from "@/lib/ledger";

/** The latest receipts; each opens its full receipt. */
export function RecentRequests({ receipts }: { receipts: Receipt[] }) {
  if (receipts.length === 0) {
    return (
      <EmptyState title="No requests yet">
        Send a request with an <Link className="text-brand-700 underline" href="/settings/api-keys">API key</Link> and its receipt appears here.
      </EmptyState>
    );
  }
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid="recent-requests">
        <thead>
          <tr className="border-b border-zinc-200 text-xs text-zinc-600">
            <th scope="col" className="py-2 pr-3 font-medium">Time</th>
            <th scope="col" className="hidden py-2 pr-3 font-medium sm:table-cell">Action</th>
            <th scope="col" className="hidden py-2 pr-3 font-medium md:table-cell">Model</th>
            <th scope="col" className="hidden py-2 pr-3 text-right font-medium md:table-cell">Tokens in / out</th>
            <th scope="col" className="py-2 pr-3 text-right font-medium">Credits</th>
            <th scope="col" className="py-2 font-medium"><span className="sr-only">Cache</span></th>
          </tr>
        </thead>
        <tbody>
          {receipts.map((r) => (
            <tr key={r.requestId} className="border-b border-zinc-100 last:border-0" data-testid="recent-request-row">
              <td className="tabular whitespace-nowrap py-2 pr-3">
                <Link href={`/settings/usage/requests/${encodeURIComponent(r.requestId)}`} className="text-brand-700 underline-offset-2 hover:underline" aria-label={`Receipt of ${r.requestId}, ${formatDateTime(r.createdAt)}`}>
                  {formatDateTime(r.createdAt)}
                </Link>
              </td>
              <td className="hidden py-2 pr-3 sm:table-cell">{r.action ?? "—"}</td>
              <td className="hidden py-2 pr-3 md:table-cell">{r.model}</td>
              <td className="tabular hidden py-2 pr-3 text-right md:table-cell">
                {formatInteger(r.inputTokens)} / {formatInteger(r.outputTokens)}
              </td>
              <td className="tabular py-2 pr-3 text-right">
                <Credits value={r.chargedCredits} />
                {r.overageCredits > 0 ? <span className="block text-xs text-amber-900">{formatInteger(r.overageCredits)} overage</span> : null}
              </td>
              <td className="py-2">{r.cacheHit ? <Badge tone="green">cache hit</Badge> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
