import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accounts } from "@/db/schema";
import { hasRole, type AccountContext } from "@/lib/accounts/roles";
import { getPlanOrThrow, type Plan } from "@/lib/config/catalog";
import { usageUi } from "@/lib/config/usage";
import { notFound } from "@/lib/errors";
import { getBalance, getLimits, periodSummary, recentReceipts, type Limits, type Receipt } from "@/lib/ledger";
import { breakdown, type BreakdownRow } from "./breakdowns";
import { dailyUsage, type DayPoint } from "./daily";
import { limitState, type LimitState } from "./limit-state";
import { overageCents, projectPeriod, type Projection } from "./projection";
import { balanceBySource } from "./sources";

const DAY_MS = 86_400_000;

export type UsageDashboard = {
  accountKind: "personal" | "team";
  plan: Plan;
  period: { start: Date; end: Date };
  /** The big number: credits charged this period (exact, from the ledger's counters). */
  usedCredits: number;
  includedCredits: number;
  includedUsedCredits: number;
  overageCredits: number;
  overageCents: number;
  availableCredits: number;
  heldCredits: number;
  /** Counted in availableCredits: set aside on holds the gateway placed ahead for busy API keys (lib/gateway/hold-pool.ts). */
  reservedAheadCredits: number;
  sources: ReturnType<typeof balanceBySource>;
  projection: Projection;
  daily: DayPoint[];
  /** The included quota spread evenly over the period, for the chart's reference line; null without one. */
  includedPerDayCredits: number | null;
  byAction: BreakdownRow[];
  byModel: BreakdownRow[];
  /** Owners and admins only (null otherwise); per member only on team accounts. */
  byMember: BreakdownRow[] | null;
  byApiKey: BreakdownRow[] | null;
  limits: Limits;
  canEditLimits: boolean;
  limitState: LimitState;
  recent: Receipt[];
};

/**
 * Everything /settings/usage shows for the actor's current account. Reads the ledger's counters,
 * grants and the daily rollup (usage_daily), never scans raw usage events except the latest few
 * receipts (an index range on (account_id, created_at)).
 */
export async function getUsageDashboard(db: Db, actor: AccountContext, now = new Date()): Promise<UsageDashboard> {
  const [account] = await db.select({ kind: accounts.kind }).from(accounts).where(eq(accounts.id, actor.accountId));
  if (!account) throw notFound("Account");
  const [summary, balance, limits] = await Promise.all([periodSummary(db, actor.accountId), getBalance(db, actor.accountId), getLimits(db, actor)]);
  const plan = getPlanOrThrow(summary.plan);
  const canSeeBreakdowns = hasRole(actor.role, "admin");
  // The rollup is per UTC day: the period's first day counts whole.
  const range = { from: summary.periodStart, to: new Date(now.getTime() + DAY_MS) };
  const [daily, byAction, byModel, byMember, byApiKey, recent] = await Promise.all([
    dailyUsage(db, actor.accountId, plan, now, usageUi.chartDays),
    breakdown(db, actor.accountId, range, "action"),
    breakdown(db, actor.accountId, range, "model"),
    canSeeBreakdowns && account.kind === "team" ? breakdown(db, actor.accountId, range, "member") : null,
    canSeeBreakdowns ? breakdown(db, actor.accountId, range, "api_key") : null,
    recentReceipts(db, actor.accountId, { limit: usageUi.recentRequests }),
  ]);
  const periodDays = Math.max(Math.round((summary.periodEnd.getTime() - summary.periodStart.getTime()) / DAY_MS), 1);
  return {
    accountKind: account.kind,
    plan,
    period: { start: summary.periodStart, end: summary.periodEnd },
    usedCredits: summary.usedCredits,
    includedCredits: summary.includedCredits,
    includedUsedCredits: summary.includedUsedCredits,
    overageCredits: summary.overageCredits,
    overageCents: overageCents(plan, summary.overageCredits),
    availableCredits: balance.availableCredits,
    heldCredits: balance.heldCredits,
    reservedAheadCredits: balance.reservedAheadCredits,
    sources: balanceBySource(balance),
    projection: projectPeriod({
      plan,
      usedCredits: summary.usedCredits,
      overageUsedCredits: summary.overageCredits,
      availableCredits: balance.availableCredits,
      overageCapCredits: balance.overage.blocked ? 0 : balance.overage.limitCredits,
      periodStart: summary.periodStart,
      periodEnd: summary.periodEnd,
      now,
    }),
    daily,
    includedPerDayCredits: summary.includedCredits > 0 ? Math.round(summary.includedCredits / periodDays) : null,
    byAction,
    byModel,
    byMember,
    byApiKey,
    limits,
    canEditLimits: hasRole(actor.role, "admin"),
    limitState: limitState({ balance, usedCredits: summary.usedCredits, softLimitCredits: limits.softLimitCredits }),
    recent,
  };
}
