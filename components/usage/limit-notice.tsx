import Link from "next/link";
import { Alert } from "@/components/ui/alert";
import type { LimitState } from "@/lib/usage/limit-state";

const stoppedText: Record<NonNullable<LimitState["stopped"]>, string> = {
  hard_limit: "Usage stopped: the hard limit was hit. New requests are refused (HTTP 402) until an owner or admin raises it or the period renews.",
  overage_blocked: "Usage stopped: credits are used up and overage is blocked. New requests are refused (HTTP 402).",
  out_of_credits: "Usage stopped: no credits left. New requests are refused (HTTP 402) until you top up.",
};

/** The in-app notice when the soft limit is crossed or billable usage is stopped. */
export function LimitNotice({ state, showLinks = true }: { state: LimitState; showLinks?: boolean }) {
  if (state.stopped) {
    return (
      <Alert tone="error" data-testid="limit-notice" data-kind={state.stopped}>
        {stoppedText[state.stopped]}{" "}
        {showLinks ? (
          <Link className="font-medium underline" href={state.stopped === "out_of_credits" ? "/settings/billing" : "/settings/usage#limits"}>
            {state.stopped === "out_of_credits" ? "Top up" : "Review limits"}
          </Link>
        ) : null}
      </Alert>
    );
  }
  if (state.softLimitCrossed) {
    return (
      <Alert tone="warning" data-testid="limit-notice" data-kind="soft_limit">
        Usage this period passed your warning threshold.{" "}
        {showLinks ? (
          <Link className="font-medium underline" href="/settings/usage#limits">
            Review limits
          </Link>
        ) : null}
      </Alert>
    );
  }
  return null;
}
