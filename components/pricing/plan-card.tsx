import { cn } from "@/components/ui/cn";

/** One column of the pricing grid: a name, a price line and a few numeric facts. */
export function PlanCard({ name, price, facts, highlight = false, testId, children }: { name: string; price: React.ReactNode; facts: React.ReactNode[]; highlight?: boolean; testId: string; children?: React.ReactNode }) {
  return (
    <section className={cn("flex flex-col rounded-lg border bg-white p-4", highlight ? "border-brand-600 ring-1 ring-brand-600" : "border-zinc-200")} data-testid={testId}>
      <h2 className="text-base font-semibold text-zinc-900">{name}</h2>
      <p className="mt-1 text-2xl font-semibold tracking-tight text-zinc-900">{price}</p>
      <ul className="mt-3 flex-1 space-y-1 text-sm text-zinc-700">
        {facts.map((f, i) => (
          <li key={i}>{f}</li>
        ))}
      </ul>
      {children ? <div className="mt-4">{children}</div> : null}
    </section>
  );
}
