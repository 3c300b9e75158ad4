"use client";

import { Bar, BarChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis, type TooltipContentProps } from "recharts";
import type { NameType, ValueType } from "recharts/types/component/DefaultTooltipContent";
import { formatCents, formatCompact, formatDay, formatInteger } from "@/components/ui/format";
import type { DayPoint } from "@/lib/usage/daily";

function DayTooltip({ active, payload }: TooltipContentProps<ValueType, NameType>) {
  const p = payload?.[0]?.payload as DayPoint | undefined;
  if (!active || !p) return null;
  return (
    <div className="rounded-md border border-zinc-200 bg-white px-3 py-2 text-xs shadow-md" data-testid="usage-chart-tooltip">
      <p className="font-medium text-zinc-900">{formatDay(p.day)}</p>
      <p className="tabular text-zinc-700">{formatInteger(p.chargedCredits)} credits · {formatInteger(p.requests)} requests</p>
      <p className="tabular text-zinc-700">
        {p.overageCredits > 0 ? `${formatCents(p.overageCents)} overage (${formatInteger(p.overageCredits)} credits)` : "$0.00 billed (prepaid or included)"}
      </p>
    </div>
  );
}

/** Credits per day for the last 30 days, with the included quota's daily share as a reference line. */
export function DailyChart({ points, includedPerDay }: { points: DayPoint[]; includedPerDay: number | null }) {
  const total = points.reduce((s, p) => s + p.chargedCredits, 0);
  return (
    <figure>
      <div className="h-60 w-full" data-testid="usage-chart" data-total={total} role="group" aria-label={`Credits per day, last ${points.length} days`}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid vertical={false} stroke="#e4e4e7" />
            <XAxis dataKey="day" tickFormatter={formatDay} tick={{ fontSize: 11, fill: "#52525b" }} tickLine={false} axisLine={false} interval="preserveStartEnd" minTickGap={24} />
            <YAxis tickFormatter={(v: number) => formatCompact(v)} tick={{ fontSize: 11, fill: "#52525b" }} tickLine={false} axisLine={false} width={44} />
            <Tooltip content={DayTooltip} cursor={{ fill: "#f4f4f5" }} />
            <Bar dataKey="chargedCredits" name="Credits" fill="#2554e0" radius={[2, 2, 0, 0]} isAnimationActive={false} />
            {includedPerDay ? (
              <ReferenceLine y={includedPerDay} stroke="#b45309" strokeWidth={1.5} strokeDasharray="5 4" ifOverflow="extendDomain" />
            ) : null}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="mt-2 flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-zinc-600">
        <span>
          <span className="tabular font-medium text-zinc-800">{formatInteger(total)}</span> credits in the last {points.length} days (UTC days)
        </span>
        {includedPerDay ? (
          <span className="inline-flex items-center gap-1.5">
            <span aria-hidden="true" className="inline-block w-5 border-t-2 border-dashed border-amber-700" />
            Included quota per day: <span className="tabular">{formatInteger(includedPerDay)}</span>
          </span>
        ) : null}
      </figcaption>
      {/* The same numbers for screen readers and keyboard users. */}
      <details className="mt-2 text-sm">
        <summary className="cursor-pointer text-zinc-700">Show daily numbers</summary>
        <table className="mt-2 w-full text-left text-xs tabular" data-testid="usage-daily-table">
          <thead>
            <tr className="text-zinc-600">
              <th scope="col" className="py-1 font-medium">Day</th>
              <th scope="col" className="py-1 text-right font-medium">Credits</th>
              <th scope="col" className="py-1 text-right font-medium">Requests</th>
              <th scope="col" className="py-1 text-right font-medium">Overage cost</th>
            </tr>
          </thead>
          <tbody>
            {points.filter((p) => p.requests > 0).map((p) => (
              <tr key={p.day} className="border-t border-zinc-100">
                <th scope="row" className="py-1 font-normal">{formatDay(p.day)}</th>
                <td className="py-1 text-right">{formatInteger(p.chargedCredits)}</td>
                <td className="py-1 text-right">{formatInteger(p.requests)}</td>
                <td className="py-1 text-right">{formatCents(p.overageCents)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
