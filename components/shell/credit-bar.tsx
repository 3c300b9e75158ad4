import Link from "next/link";
import { cn } from "@/components/ui/cn";
import { buttonClass } from "@/components/ui/button";
import { formatCompact, formatInteger } from "@/components/ui/format";
import type { CreditStatus } from "@/lib/usage/credit-status";

/** The shell's balance chip; turns into a "Top up" prompt when low or out. */
export function CreditBar({ status }: { status: CreditStatus }) {
  const prompt = status.low || status.stopped === "out_of_credits";
  return (
    <div className="flex items-center gap-2" data-testid="credit-bar" data-low={prompt ? "true" : "false"}>
      <Link
        href="/settings/usage"
        className={cn(
          "tabular rounded-md px-2 py-1 text-sm font-medium ring-1 ring-inset",
          prompt ? "bg-amber-50 text-amber-900 ring-amber-300" : "bg-white text-zinc-800 ring-zinc-200 hover:bg-zinc-50",
        )}
        title={`${formatInteger(status.availableCredits)} credits available`}
      >
        <span data-testid="credit-bar-balance" data-value={status.availableCredits}>
          {formatCompact(status.availableCredits)}
        </span>{" "}
        credits
        {status.overageCredits > 0 ? <span className="font-normal text-zinc-600"> + {formatCompact(status.overageCredits)} overage</span> : null}
      </Link>
      {prompt ? (
        <Link href="/settings/billing" className={buttonClass("primary", "sm")} data-testid="credit-bar-topup">
          Top up
        </Link>
      ) : null}
    </div>
  );
}
