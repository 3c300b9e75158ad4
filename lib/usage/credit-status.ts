import type { Db } from "@/db/client";
import { getProtectionConfig } from "@/lib/protection/config";
import { getBalance, periodSummary, type Balance } from "@/lib/ledger";
import { limitState, type LimitState } from "./limit-state";

export type CreditStatus = {
  availableCredits: number;
  /** Below the low-balance threshold while nothing else pays (no overage room), and not yet stopped. */
  low: boolean;
  overageCredits: number;
} & LimitState;

/**
 * Low balance: fewer available credits than the threshold, on an account that cannot fall back on
 * overage (free plan, or the block-overage switch on). Same threshold and same "below" as the
 * low-balance notification, so the prompt and the email agree. Threshold 0 = never low.
 */
export function isLowBalance(balance: Pick<Balance, "availableCredits" | "overage">, thresholdCredits: number): boolean {
  const overagePays = balance.overage.allowed && !balance.overage.blocked;
  return !overagePays && balance.availableCredits < thresholdCredits;
}

/** What the app shell's credit bar shows on every page: two indexed single-row reads. */
export async function getCreditStatus(db: Db, accountId: string): Promise<CreditStatus> {
  const [balance, summary] = await Promise.all([getBalance(db, accountId), periodSummary(db, accountId)]);
  const state = limitState({ balance, usedCredits: summary.usedCredits, softLimitCredits: summary.softLimitCredits });
  return {
    availableCredits: balance.availableCredits,
    low: isLowBalance(balance, getProtectionConfig().lowBalanceCredits),
    overageCredits: summary.overageCredits,
    ...state,
  };
}
