import Link from "next/link";
import { buttonClass } from "@/components/ui/button";

const points = [
  { title: "Credits you can audit", body: "Every hold, capture and grant is a journal entry. The balance on screen is the sum of the journal." },
  { title: "An OpenAI-compatible gateway", body: "Point the official client at /api/v1. Each call holds its worst case, bills what it used, never bills a retry." },
  { title: "Limits that stop runaway agents", body: "Soft limits warn, hard limits refuse with a 402, a switch blocks all overage." },
];

export default function LandingPage() {
  return (
    <div className="min-h-screen bg-white">
      <header className="mx-auto flex max-w-5xl items-center justify-between px-4 py-5">
        <span className="text-lg font-semibold tracking-tight">Meterline</span>
        <nav aria-label="Account" className="flex items-center gap-2">
          <Link href="/pricing" className={buttonClass("ghost")}>Pricing</Link>
          <Link href="/sign-in" className={buttonClass("ghost")}>Sign in</Link>
          <Link href="/sign-up" className={buttonClass()}>Get started</Link>
        </nav>
      </header>
      <main className="mx-auto max-w-5xl px-4 pb-20 pt-16">
        <h1 className="max-w-2xl text-4xl font-semibold tracking-tight text-zinc-900 sm:text-5xl">Usage-billed AI, with the meter in plain sight.</h1>
        <p className="mt-5 max-w-xl text-lg text-zinc-700">
          Sign up, buy credits, call models through one metered API, and watch every credit you spend — with hard limits you set.
        </p>
        <div className="mt-8 flex gap-3">
          <Link href="/sign-up" className={buttonClass()}>Create a free account</Link>
        </div>
        <ul className="mt-16 grid gap-6 sm:grid-cols-3">
          {points.map((p) => (
            <li key={p.title} className="rounded-lg border border-zinc-200 p-5">
              <h2 className="font-semibold">{p.title}</h2>
              <p className="mt-2 text-sm text-zinc-700">{p.body}</p>
            </li>
          ))}
        </ul>
      </main>
    </div>
  );
}
