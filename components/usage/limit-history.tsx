import { formatDateTime, formatInteger } from "@/components/ui/format";
import type { LimitChange } from "@/lib/usage/limits-form";

const show = (n: number | null | undefined) => (n === null || n === undefined ? "none" : formatInteger(n));

function describe(c: LimitChange): string {
  const parts: string[] = [];
  const b = c.before ?? {};
  const a = c.after ?? {};
  if (b.softLimitCredits !== a.softLimitCredits) parts.push(`warn at ${show(b.softLimitCredits)} → ${show(a.softLimitCredits)}`);
  if (b.hardLimit !== a.hardLimit) parts.push(`hard limit ${show(b.hardLimit)} → ${show(a.hardLimit)}`);
  if (b.blockOverage !== a.blockOverage) parts.push(`block overage ${b.blockOverage ? "on" : "off"} → ${a.blockOverage ? "on" : "off"}`);
  return parts.length ? parts.join("; ") : "no change";
}

/** The audit trail of limit changes: who, when, old → new. */
export function LimitHistory({ changes }: { changes: LimitChange[] }) {
  if (changes.length === 0) return null;
  return (
    <div className="mt-5 border-t border-zinc-100 pt-4">
      <h3 className="text-sm font-medium text-zinc-900">Recent changes</h3>
      <ul className="mt-2 space-y-1.5 text-sm" data-testid="limits-history">
        {changes.map((c) => (
          <li key={c.at.toISOString()} className="text-zinc-700">
            <span className="tabular text-zinc-600">{formatDateTime(c.at)}</span> · {c.actor}: {describe(c)}
            {c.reason ? <span className="text-zinc-600"> — “{c.reason}”</span> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
