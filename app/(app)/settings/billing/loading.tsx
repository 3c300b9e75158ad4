/** Skeleton of the billing page while the plan, balance and invoices load. */
export default function BillingLoading() {
  return (
    <div aria-busy="true" aria-live="polite" className="grid gap-6">
      <span className="sr-only">Loading billing…</span>
      <div className="h-7 w-32 animate-pulse rounded bg-zinc-200" />
      <div className="h-28 animate-pulse rounded-lg border border-zinc-200 bg-white" />
      <div className="h-64 animate-pulse rounded-lg border border-zinc-200 bg-white" />
      <div className="h-52 animate-pulse rounded-lg border border-zinc-200 bg-white" />
      <div className="h-40 animate-pulse rounded-lg border border-zinc-200 bg-white" />
    </div>
  );
}
