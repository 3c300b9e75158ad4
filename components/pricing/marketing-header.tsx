import Link from "next/link";
import { buttonClass } from "@/components/ui/button";

export function MarketingHeader() {
  return (
    <header className="mx-auto flex max-w-5xl items-center justify-between px-4 py-4">
      <Link href="/" className="text-lg font-semibold tracking-tight">
        Meterline
      </Link>
      <nav aria-label="Site" className="flex items-center gap-2">
        <Link href="/pricing" className={buttonClass("ghost")}>
          Pricing
        </Link>
        <Link href="/sign-in" className={buttonClass("ghost")}>
          Sign in
        </Link>
        <Link href="/sign-up" className={buttonClass()}>
          Get started
        </Link>
      </nav>
    </header>
  );
}
