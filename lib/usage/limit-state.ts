import type { Balance } from "@/lib/ledger";

export type LimitState = {
  /** Credits used this period reached the soft limit ("warn me at"). */
  softLimitCrossed: boolean;
  /** Billable usage is stopped: why, or null when requests can still be paid for. */
  stopped: null | "hard_limit" | "overage_blocked" | "out_of_credits";
};

/**
 * Whether the account can still pay for a request of one credit, and why not. Mirrors the
 * reserve rule in the ledger: grants first, then overage if the plan allows it, the switch is
 * off, and the hard limit leaves room.
 */
export function limitState(input: {
  balance: Pick<Balance, "availableCredits" | "overage">;
  usedCredits: number;
  softLimitCredits: number | null;
}): LimitState {
  const { balance } = input;
  const softLimitCrossed = input.softLimitCredits !== null && input.usedCredits >= input.softLimitCredits;
  if (balance.availableCredits > 0) return { softLimitCrossed, stopped: null };
  const o = balance.overage;
  if (!o.allowed) return { softLimitCrossed, stopped: "out_of_credits" };
  if (o.blocked) return { softLimitCrossed, stopped: "overage_blocked" };
  if (o.limitCredits !== null && o.usedCredits + o.heldCredits >= o.limitCredits) return { softLimitCrossed, stopped: "hard_limit" };
  return { softLimitCrossed, stopped: null };
}

/** Whether the shell shows the in-app limit notice: usage is stopped, or the soft limit was crossed. */
export function showsLimitNotice(state: LimitState): boolean {
  return state.stopped !== null || state.softLimitCrossed;
}
