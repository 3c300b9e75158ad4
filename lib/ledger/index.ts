// The ledger's public API. Importing it registers the account-created hook (signup grant).
import "./register";

export type * from "./types";
export { reserve, reserveAhead, capture, release } from "./holds";
export { grant, adjust, refundPurchase, expireGrants, defaultPriority } from "./grants";
export { getBalance, getReceipt, getHoldStatus, recentReceipts } from "./balance";
export { usageByDay, usageBreakdown, periodSummary, type UsageRange, type UsageTotals } from "./usage";
export { getLimits, setLimits, limitsPatchSchema, type Limits, type LimitsPatch } from "./limits";
export { createAccountLedger, startPeriod, setPlan, setAccountStatus, applyAccountStanding, deriveAccountStatus, sweepStaleHolds } from "./accounts";
export type { StandingChange, Standing } from "./accounts";
export { availableFromGrants, checkLedgerInvariants } from "./invariants";
