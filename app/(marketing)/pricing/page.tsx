import type { Metadata } from "next";
import Link from "next/link";
import { catalog, type CreditPack } from "@/lib/config/catalog";
import { priceBook, TOKENS_PER_CREDIT_STANDARD } from "@/lib/config/price-book";
import { buttonClass } from "@/components/ui/button";
import { formatCents, formatCompact, formatInteger } from "@/components/ui/format";
import { PlanCard } from "@/components/pricing/plan-card";
import { MarketingHeader } from "@/components/pricing/marketing-header";

export const metadata: Metadata = { title: "Pricing" };

/** Credits per 1K tokens → "1 / token" or "0.5 / token" (the price book is per 1,000 tokens). */
const perToken = (per1K: number) => `${formatInteger(per1K / 1000)}`;

export default function PricingPage() {
  const free = catalog.plans.free;
  const pro = catalog.plans.pro;
  const packs = catalog.packs as readonly CreditPack[];
  const overage = pro.stripe.overage;
  return (
    <div className="min-h-screen bg-zinc-50">
      <MarketingHeader />
      <main className="mx-auto max-w-5xl px-4 pb-10">
        <div className="flex flex-wrap items-end justify-between gap-2">
          <h1 className="text-2xl font-semibold tracking-tight text-zinc-900">Pricing</h1>
          <p className="text-sm text-zinc-700" data-testid="pricing-ratio">
            Posted ratio: <strong>1 credit = {TOKENS_PER_CREDIT_STANDARD} token</strong> of the standard model ·{" "}
            <Link href="/pricing/changelog" className="text-brand-700 underline">
              Pricing changes
            </Link>
          </p>
        </div>
        <div className="mt-4 grid gap-4 md:grid-cols-3">
          <PlanCard
            name={free.name}
            price="$0"
            testId="pricing-free"
            facts={[
              `${formatInteger(catalog.signupCredits)} credits at sign-up`,
              "Stops when credits run out (no overage)",
              "Top up any time with a pack",
            ]}
          >
            <Link href="/sign-up" className={buttonClass("secondary")}>
              Start free
            </Link>
          </PlanCard>
          <PlanCard
            name={pro.name}
            highlight
            testId="pricing-pro"
            price={
              <>
                {formatCents(pro.stripe.monthlyPriceCents)}
                <span className="text-sm font-normal text-zinc-600"> / month</span>
              </>
            }
            facts={[
              `${formatInteger(pro.includedCredits)} credits included each month`,
              `Then ${formatCents(overage.centsPerUnit)} per ${formatCompact(overage.unitCredits)} credits of overage`,
              "Hard limit and overage switch you control",
            ]}
          >
            <Link href="/settings/billing" className={buttonClass()}>
              Upgrade to Pro
            </Link>
          </PlanCard>
          <section className="rounded-lg border border-zinc-200 bg-white p-4" data-testid="pricing-packs">
            <h2 className="text-base font-semibold text-zinc-900">Credit packs</h2>
            <p className="mt-1 text-sm text-zinc-600">Prepaid, any plan, never expire.</p>
            <table className="mt-2 w-full text-sm">
              <caption className="sr-only">Credit packs and prices</caption>
              <thead>
                <tr className="text-left text-xs text-zinc-600">
                  <th scope="col" className="py-1 font-medium">Credits</th>
                  <th scope="col" className="py-1 text-right font-medium">Price</th>
                  <th scope="col" className="py-1 text-right font-medium">Per 1M</th>
                </tr>
              </thead>
              <tbody className="tabular">
                {packs.map((p) => (
                  <tr key={p.key} className="border-t border-zinc-100">
                    <th scope="row" className="py-1.5 text-left font-normal">{formatInteger(p.credits)}</th>
                    <td className="py-1.5 text-right font-medium">{formatCents(p.priceCents)}</td>
                    <td className="py-1.5 text-right text-zinc-600">{formatCents(Math.round((p.priceCents * 1_000_000) / p.credits))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </div>
        <section className="mt-4 rounded-lg border border-zinc-200 bg-white p-4" aria-labelledby="model-prices">
          <h2 id="model-prices" className="text-base font-semibold text-zinc-900">
            Credits per token, by model
          </h2>
          <div className="overflow-x-auto">
            <table className="mt-2 w-full text-sm" data-testid="pricing-models">
              <thead>
                <tr className="text-left text-xs text-zinc-600">
                  <th scope="col" className="py-1 font-medium">Model</th>
                  <th scope="col" className="py-1 text-right font-medium">Input</th>
                  <th scope="col" className="py-1 text-right font-medium">Output</th>
                  <th scope="col" className="hidden py-1 pl-4 font-medium sm:table-cell">Notes</th>
                </tr>
              </thead>
              <tbody className="tabular">
                {priceBook.map((m) => (
                  <tr key={m.id} className="border-t border-zinc-100">
                    <th scope="row" className="py-1.5 text-left font-mono text-xs font-normal">{m.id}</th>
                    <td className="py-1.5 text-right">{perToken(m.inputCreditsPer1K)} / token</td>
                    <td className="py-1.5 text-right">{perToken(m.outputCreditsPer1K)} / token</td>
                    <td className="hidden py-1.5 pl-4 text-zinc-600 sm:table-cell">
                      {m.description}
                      {m.flatCreditsPerCall ? ` +${formatInteger(m.flatCreditsPerCall)} per call.` : ""}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="mt-2 text-xs text-zinc-600">
            Each request holds its worst case (prompt + max_tokens) and is charged what it used. Cache hits and failed requests cost nothing.{" "}
            <a className="underline" href={catalog.enterprise.contactUrl}>
              {catalog.enterprise.name}: talk to us
            </a>
            .
          </p>
        </section>
      </main>
    </div>
  );
}
