/**
 * What the customer-facing usage UI warns about. A forker edits these.
 * Credits are the ledger's integer unit.
 */
export const usageUi = {
  /**
   * The one low-balance threshold, in available credits: below it the shell's credit bar turns into
   * a "Top up" prompt AND the low-balance notification is sent (lib/protection). The environment
   * variable NOTIFY_LOW_BALANCE_CREDITS overrides it for both; 0 turns both off.
   */
  lowBalanceCredits: 20_000,
  /** Days shown in the usage page's daily chart. */
  chartDays: 30,
  /** Receipts listed under "Recent requests". */
  recentRequests: 15,
} as const;
