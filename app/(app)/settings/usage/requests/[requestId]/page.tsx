import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { getDb } from "@/db/client";
import { requireAccountContext } from "@/lib/auth/server";
import { getReceipt } from "@/lib/ledger";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { CopyField } from "@/components/ui/copy-field";
import { formatDateTime, formatInteger } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { sourceLabel, sourceOfKind } from "@/lib/usage/sources";

export const metadata: Metadata = { title: "Receipt" };

/** One request's receipt, scoped to the current account (another account's id is a 404). */
export default async function ReceiptPage({ params }: { params: Promise<{ requestId: string }> }) {
  const { requestId } = await params;
  const { account } = await requireAccountContext();
  const r = await getReceipt(getDb(), account.id, decodeURIComponent(requestId));
  if (!r) notFound();
  const rows: [string, React.ReactNode][] = [
    ["Time", formatDateTime(r.createdAt)],
    ["Action", r.action ?? "—"],
    ["Model", r.model],
    ["Status", r.status],
    ["Input tokens", formatInteger(r.inputTokens)],
    ["Output tokens", formatInteger(r.outputTokens)],
    ["Cached tokens", formatInteger(r.cachedTokens)],
    ["Credits held", formatInteger(r.heldCredits)],
    ["Credits charged", <span key="c" data-testid="receipt-charged">{formatInteger(r.chargedCredits)}</span>],
    ["Of which included", formatInteger(r.includedCredits)],
    ["Of which overage", formatInteger(r.overageCredits)],
    ["Latency", r.latencyMs === null ? "—" : `${formatInteger(r.latencyMs)} ms`],
  ];
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/settings/usage" className="text-brand-700 hover:underline">
          ← Usage
        </Link>
      </p>
      <PageHeader title="Receipt">{r.cacheHit ? <Badge tone="green">cache hit · not billed</Badge> : null}</PageHeader>
      <Card className="grid gap-5">
        <CopyField label="Request id" value={r.requestId} testId="receipt-request-id" />
        <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2" data-testid="receipt">
          {rows.map(([k, v]) => (
            <div key={k} className="flex justify-between gap-3 border-b border-zinc-100 py-1">
              <dt className="text-zinc-600">{k}</dt>
              <dd className="tabular text-right text-zinc-900">{v}</dd>
            </div>
          ))}
        </dl>
        {r.grants.length > 0 ? (
          <div>
            <h2 className="text-sm font-medium text-zinc-900">Paid from</h2>
            <ul className="mt-1 text-sm text-zinc-700">
              {r.grants.map((g) => (
                <li key={g.grantId} className="tabular">
                  {formatInteger(g.credits)} credits · {sourceLabel[sourceOfKind(g.kind)]} ({g.kind})
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </Card>
    </>
  );
}
