import type { NotificationAudience, NotificationKind } from "@/db/schema";

/**
 * Who hears about each kind. `account`: shown in the account's notifications list and emailed to
 * its owners and admins. `alertPlatform`: also emailed to platform admins and posted to the Slack
 * webhook. `platform` audience: admins only (the customer never sees it).
 */
export type KindRoute = { audience: NotificationAudience; emailAccount: boolean; alertPlatform: boolean };

export const kindRoutes: Record<NotificationKind, KindRoute> = {
  soft_limit: { audience: "account", emailAccount: true, alertPlatform: false },
  low_balance: { audience: "account", emailAccount: true, alertPlatform: false },
  hard_limit: { audience: "account", emailAccount: true, alertPlatform: false },
  breaker_tripped: { audience: "account", emailAccount: true, alertPlatform: true },
  auto_recharge_failed: { audience: "account", emailAccount: true, alertPlatform: false },
  payment_failed: { audience: "account", emailAccount: true, alertPlatform: true },
  invoice_flagged: { audience: "platform", emailAccount: false, alertPlatform: true },
};

export const kindLabels: Record<NotificationKind, string> = {
  soft_limit: "Soft limit crossed",
  low_balance: "Low balance",
  hard_limit: "Hard limit reached",
  breaker_tripped: "Circuit breaker tripped",
  auto_recharge_failed: "Auto-recharge failed",
  payment_failed: "Payment failed",
  invoice_flagged: "Invoice flagged",
};
