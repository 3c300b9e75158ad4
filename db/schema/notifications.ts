import { bigint, index, integer, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { tstz } from "./columns";
import { accounts } from "./accounts";

export type NotificationKind =
  | "soft_limit"
  | "low_balance"
  | "hard_limit"
  | "breaker_tripped"
  | "auto_recharge_failed"
  | "payment_failed"
  | "invoice_flagged";
export type NotificationAudience = "account" | "platform";
export type DeliveryChannel = "email" | "slack";
export type DeliveryStatus = "pending" | "sent" | "failed";

/**
 * One row per event worth telling someone about; also the in-app channel (the shell's list for
 * audience `account`, /admin for `platform`). The unique key is the one dedupe rule: once per
 * account, kind, threshold and period, whatever the number of requests or instances racing.
 */
export const notifications = pgTable(
  "notifications",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id, { onDelete: "cascade" }),
    kind: text("kind").$type<NotificationKind>().notNull(),
    /** The threshold crossed, in the kind's unit (credits; 0 when the kind has none). */
    threshold: bigint("threshold", { mode: "number" }).notNull(),
    /** The period the threshold applies to: a billing period start, an invoice id, a trip id. */
    periodKey: text("period_key").notNull(),
    /** account = the customer sees it in-app (platform admins are alerted too when `alertPlatform`); platform = admins only. */
    audience: text("audience").$type<NotificationAudience>().notNull(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    /** Where to act, relative to the app URL (e.g. /settings/protection). */
    link: text("link"),
    details: jsonb("details").$type<Record<string, unknown>>(),
    readAt: tstz("read_at"),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("notifications_once_uq").on(t.accountId, t.kind, t.threshold, t.periodKey),
    index("notifications_account_idx").on(t.accountId, t.createdAt),
    index("notifications_audience_idx").on(t.audience, t.createdAt),
  ],
);

/** Fan-out of a notification to outside channels, retried by the notifications job. */
export const notificationDeliveries = pgTable(
  "notification_deliveries",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    notificationId: text("notification_id").notNull().references(() => notifications.id, { onDelete: "cascade" }),
    channel: text("channel").$type<DeliveryChannel>().notNull(),
    /** An email address, or "slack" for the platform webhook. */
    recipient: text("recipient").notNull(),
    status: text("status").$type<DeliveryStatus>().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: tstz("next_attempt_at").notNull().defaultNow(),
    /** A sender claimed it until then (another sender skips it); NULL = unclaimed. */
    lockedUntil: tstz("locked_until"),
    lastError: text("last_error"),
    sentAt: tstz("sent_at"),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("notification_deliveries_once_uq").on(t.notificationId, t.channel, t.recipient),
    index("notification_deliveries_due_idx").on(t.status, t.nextAttemptAt),
  ],
);
