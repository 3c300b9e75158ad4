import type { Db } from "@/db/client";
import { usageUi } from "@/lib/config/usage";
import { getBalance, periodSummary } from "@/lib/ledger";
import { limitState, type LimitState } from "./limit-state";

export type CreditStatus = {
  availableCredits: number;
  /** At or below the configured threshold (and usage not already stopped). */
  low: boolean;
  overageCredits: number;
} & LimitState;

/** What the app shell's credit bar shows on every page: two indexed single-row reads. */
export async function getCreditStatus(db: Db, accountId: string): Promise<CreditStatus> {
  const [balance, summary] = await Promise.all([getBalance(db, accountId), periodSummary(db, accountId)]);
  const state = limitState({ balance, usedCredits: summary.usedCredits, softLimitCredits: summary.softLimitCredits });
  return {
    availableCredits: balance.availableCredits,
    low: (!balance.overage.allowed || balance.overage.blocked) && balance.availableCredits <= usageUi.lowBalanceCredits,
    overageCredits: summary.overageCredits,
    ...state,
  };
}
