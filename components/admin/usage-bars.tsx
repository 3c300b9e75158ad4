import { formatInteger } from "@/components/ui/format";

/**
 * Credits per day as plain bars (server-rendered SVG, no client JavaScript), with the numbers in
 * a visually hidden list for screen readers.
 */
export function UsageBars({ points, label }: { points: { day: string; credits: number }[]; label: string }) {
  const max = Math.max(1, ...points.map((p) => p.credits));
  const w = 12;
  const h = 80;
  return (
    <figure>
      <svg role="img" aria-label={label} width={Math.max(points.length * (w + 2), 40)} height={h + 2} className="block">
        {points.map((p, i) => {
          const bh = Math.round((p.credits / max) * h);
          return (
            <rect key={p.day} x={i * (w + 2)} y={h - bh} width={w} height={Math.max(bh, p.credits > 0 ? 1 : 0)} className="fill-brand-600">
              <title>{`${p.day}: ${formatInteger(p.credits)} credits`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption className="sr-only">
        <ul>
          {points.map((p) => (
            <li key={p.day}>{`${p.day}: ${formatInteger(p.credits)} credits`}</li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
