import { Card, CardHeader } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { formatCents, formatDate, formatInteger } from "@/components/ui/format";
import type { BillingOverview } from "@/lib/billing/overview";

type Invoice = BillingOverview["invoices"][number];

/**
 * The span the invoice's lines bill. Stripe's own invoice period is the usage period (a
 * subscription's first invoice has an empty one), while the flat fee is billed in advance.
 */
function billedSpan(i: Invoice): { start: Date; end: Date } {
  const starts = i.lines.flatMap((l) => (l.periodStart ? [l.periodStart] : []));
  const ends = i.lines.flatMap((l) => (l.periodEnd ? [l.periodEnd] : []));
  if (starts.length === 0 || ends.length === 0) return { start: i.periodStart, end: i.periodEnd };
  return { start: new Date(Math.min(...starts) * 1000), end: new Date(Math.max(...ends) * 1000) };
}

const statusTone = (s: string) => (s === "paid" ? "green" : s === "open" ? "amber" : s === "uncollectible" ? "red" : "neutral");

/** What the invoice was for, overage first because that is the number people look for. */
function InvoiceLines({ lines }: { lines: Invoice["lines"] }) {
  const overage = lines.filter((l) => l.kind === "overage" && (l.quantity ?? 0) > 0);
  const plan = lines.filter((l) => l.kind === "plan" && l.amountCents !== 0);
  if (overage.length === 0 && plan.length === 0) return <span className="text-zinc-600">—</span>;
  return (
    <ul className="flex flex-col gap-0.5">
      {overage.map((l, i) => (
        <li key={`o${i}`} data-testid="invoice-overage-line">
          Overage: <span className="tabular-nums">{formatInteger(l.quantity ?? 0)}</span> credits · <span className="tabular-nums">{formatCents(l.amountCents)}</span>
        </li>
      ))}
      {plan.map((l, i) => (
        <li key={`p${i}`} className="text-zinc-600">
          {l.description} · <span className="tabular-nums">{formatCents(l.amountCents)}</span>
        </li>
      ))}
    </ul>
  );
}

/** Billing history from the local mirror of Stripe's invoices (no Stripe call on page load). */
export function InvoicesCard({ invoices }: { invoices: readonly Invoice[] }) {
  return (
    <Card>
      <CardHeader title="Invoices" description="Subscription invoices: the monthly fee in advance, overage in arrears." />
      {invoices.length === 0 ? (
        <EmptyState title="No invoices yet">Subscribe to Pro and your invoices appear here. Credit pack receipts are listed under purchases.</EmptyState>
      ) : (
        <>
          {/* Phones: one stacked card per invoice, numbers first. */}
          <ul className="flex flex-col divide-y divide-zinc-100 sm:hidden" aria-label="Invoices, newest first">
            {invoices.map((i) => (
              <li key={i.id} className="flex flex-col gap-1 py-3 text-sm" data-testid="invoice-card">
                <div className="flex items-baseline justify-between gap-2">
                  <span className="text-base font-semibold tabular-nums">{formatCents(i.totalCents)}</span>
                  <Badge tone={statusTone(i.status)}>{i.status}</Badge>
                </div>
                <span className="tabular-nums text-zinc-600">
                  {formatDate(billedSpan(i).start)} – {formatDate(billedSpan(i).end)} · <span className="font-mono text-xs">{i.number ?? "Draft"}</span>
                </span>
                <InvoiceLines lines={i.lines} />
                {i.url ? (
                  <a href={i.url} className="self-start text-brand-700 underline" aria-label={`View invoice ${i.number ?? i.id}`}>
                    View
                  </a>
                ) : null}
              </li>
            ))}
          </ul>
          {/* relative: the sr-only caption and header text are absolutely positioned and would otherwise escape the scroller. */}
          <div className="relative -mx-5 hidden overflow-x-auto px-5 sm:block">
          <table className="w-full min-w-[36rem] text-left text-sm" data-testid="invoices">
            <caption className="sr-only">Invoices, newest first</caption>
            <thead className="text-xs uppercase tracking-wide text-zinc-600">
              <tr>
                <th scope="col" className="py-2 pr-3 font-medium">Number</th>
                <th scope="col" className="py-2 pr-3 font-medium">Period</th>
                <th scope="col" className="py-2 pr-3 font-medium">Lines</th>
                <th scope="col" className="py-2 pr-3 text-right font-medium">Amount</th>
                <th scope="col" className="py-2 pr-3 font-medium">Status</th>
                <th scope="col" className="py-2 font-medium"><span className="sr-only">Link</span></th>
              </tr>
            </thead>
            <tbody>
              {invoices.map((i) => (
                <tr key={i.id} className="border-t border-zinc-100 align-top" data-testid="invoice-row">
                  <td className="py-2 pr-3 font-mono text-xs">{i.number ?? "Draft"}</td>
                  <td className="whitespace-nowrap py-2 pr-3 tabular-nums">
                    {formatDate(billedSpan(i).start)} – {formatDate(billedSpan(i).end)}
                  </td>
                  <td className="py-2 pr-3">
                    <InvoiceLines lines={i.lines} />
                  </td>
                  <td className="py-2 pr-3 text-right font-medium tabular-nums">{formatCents(i.totalCents)}</td>
                  <td className="py-2 pr-3">
                    <Badge tone={statusTone(i.status)}>{i.status}</Badge>
                  </td>
                  <td className="py-2">
                    {i.url ? (
                      <a href={i.url} className="text-brand-700 underline" aria-label={`View invoice ${i.number ?? i.id}`}>
                        View
                      </a>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
        </>
      )}
    </Card>
  );
}
