import type { Metadata } from "next";
import Link from "next/link";
import { pricingChangelog, type PricingChange } from "@/content/pricing-changelog";
import { Badge } from "@/components/ui/badge";
import { formatDate } from "@/components/ui/format";
import { MarketingHeader } from "@/components/pricing/marketing-header";

export const metadata: Metadata = { title: "Pricing changes" };

const kindBadge: Record<PricingChange["kind"], { label: string; tone: "red" | "green" | "brand" | "neutral" }> = {
  price_increase: { label: "Price increase", tone: "red" },
  price_decrease: { label: "Price decrease", tone: "green" },
  new: { label: "New", tone: "brand" },
  policy: { label: "Policy", tone: "neutral" },
};

export default function PricingChangelogPage() {
  const entries = [...pricingChangelog].sort((a, b) => b.date.localeCompare(a.date));
  return (
    <div className="min-h-screen bg-zinc-50">
      <MarketingHeader />
      <main className="mx-auto max-w-3xl px-4 pb-16">
        <p className="text-sm">
          <Link href="/pricing" className="text-brand-700 hover:underline">
            ← Pricing
          </Link>
        </p>
        <h1 className="mt-2 text-2xl font-semibold tracking-tight text-zinc-900">Pricing changes</h1>
        <p className="mt-1 text-sm text-zinc-700">Every change to what credits cost, with what it did to existing customers.</p>
        <ol className="mt-6 space-y-4" data-testid="pricing-changelog">
          {entries.map((e) => (
            <li key={e.date + e.title} className="rounded-lg border border-zinc-200 bg-white p-4" data-testid="pricing-change">
              <div className="flex flex-wrap items-center gap-2">
                <time dateTime={e.date} className="tabular text-sm font-medium text-zinc-900">
                  {formatDate(`${e.date}T12:00:00Z`)}
                </time>
                <Badge tone={kindBadge[e.kind].tone}>{kindBadge[e.kind].label}</Badge>
              </div>
              <h2 className="mt-1 text-base font-semibold text-zinc-900">{e.title}</h2>
              <p className="mt-1 text-sm text-zinc-800">{e.change}</p>
              <p className="mt-2 text-sm text-zinc-700">
                <span className="font-medium text-zinc-900">Existing customers: </span>
                {e.effectOnExisting}
              </p>
            </li>
          ))}
        </ol>
      </main>
    </div>
  );
}
