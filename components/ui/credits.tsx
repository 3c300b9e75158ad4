import { formatCompact, formatInteger } from "./format";

/**
 * A credit amount: exact with thousands separators, or compact ("1.2M") where space is tight,
 * with the exact value in the title either way.
 */
export function Credits({ value, compact = false, className, testId }: { value: number; compact?: boolean; className?: string; testId?: string }) {
  return (
    <span className={className} title={`${formatInteger(value)} credits`} data-testid={testId} data-value={value}>
      {compact ? formatCompact(value) : formatInteger(value)}
    </span>
  );
}
