/**
 * What the customer-facing usage UI warns about. A forker edits these.
 * Credits are the ledger's integer unit.
 */
export const usageUi = {
  /** The shell's credit bar turns into a "Top up" prompt at or below this many available credits. */
  lowBalanceCredits: 20_000,
  /** Days shown in the usage page's daily chart. */
  chartDays: 30,
  /** Receipts listed under "Recent requests". */
  recentRequests: 15,
} as const;
