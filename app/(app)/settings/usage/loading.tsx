/** Skeleton of the usage page while its numbers load. */
export default function UsageLoading() {
  return (
    <div aria-busy="true" aria-live="polite" className="grid gap-6">
      <span className="sr-only">Loading usage…</span>
      <div className="h-7 w-40 animate-pulse rounded bg-zinc-200" />
      <div className="h-44 animate-pulse rounded-lg border border-zinc-200 bg-white" />
      <div className="h-72 animate-pulse rounded-lg border border-zinc-200 bg-white" />
      <div className="grid gap-6 lg:grid-cols-2">
        <div className="h-48 animate-pulse rounded-lg border border-zinc-200 bg-white" />
        <div className="h-48 animate-pulse rounded-lg border border-zinc-200 bg-white" />
      </div>
    </div>
  );
}
