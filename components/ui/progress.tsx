import { cn } from "./cn";

/** A labelled horizontal bar; `value` may exceed `max` (shown full, in the warning tone). */
export function ProgressBar({ value, max, label, className }: { value: number; max: number; label: string; className?: string }) {
  const pct = max > 0 ? Math.min((value / max) * 100, 100) : 0;
  const over = max > 0 && value > max;
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={Math.min(value, max)}
      aria-valuetext={`${Math.round(max > 0 ? (value / max) * 100 : 0)}%`}
      className={cn("h-2.5 w-full overflow-hidden rounded-full bg-zinc-200", className)}
    >
      <div className={cn("h-full rounded-full", over ? "bg-amber-500" : "bg-brand-600")} style={{ width: `${pct}%` }} />
    </div>
  );
}
