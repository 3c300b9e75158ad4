import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { timestamps, tstz } from "./columns";
import { accounts } from "./accounts";

/**
 * Billing: the app's mirror of Stripe and the outbox toward it. Stripe is the source of truth for
 * money; these tables are what the app needs to answer without calling Stripe, and the
 * bookkeeping that makes every webhook and meter report happen exactly once.
 * Money is integer cents; credits are integers.
 */
const cents = (name: string) => bigint(name, { mode: "number" });
const credits = (name: string) => bigint(name, { mode: "number" });

export type StripeEventStatus = "processing" | "processed";

/** Every Stripe event id the webhook has seen: a replay is acknowledged and does nothing. */
export const stripeEvents = pgTable(
  "stripe_events",
  {
    /** Stripe's event id (evt_…). */
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    status: text("status").$type<StripeEventStatus>().notNull(),
    /** While processing: another delivery may take over after this (the first one died). */
    lockedUntil: tstz("locked_until").notNull(),
    /** The one line the webhook answered with; NULL while processing. */
    outcome: text("outcome"),
    /** Account the event touched, when known (for the admin view). */
    accountId: text("account_id"),
    receivedAt: tstz("received_at").notNull().defaultNow(),
    processedAt: tstz("processed_at"),
  },
  (t) => [index("stripe_events_account_idx").on(t.accountId, t.receivedAt)],
);

export type SubscriptionStatus = "incomplete" | "incomplete_expired" | "trialing" | "active" | "past_due" | "canceled" | "unpaid" | "paused";

/** The account's Stripe subscription as last read from Stripe (webhook handlers retrieve it). */
export const billingSubscriptions = pgTable(
  "billing_subscriptions",
  {
    /** Stripe's subscription id (sub_…). */
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id, { onDelete: "cascade" }),
    customerId: text("customer_id").notNull(),
    status: text("status").$type<SubscriptionStatus>().notNull(),
    /** Plan key from lib/config/catalog, derived from the flat price's lookup key. */
    plan: text("plan").notNull(),
    currentPeriodStart: tstz("current_period_start").notNull(),
    currentPeriodEnd: tstz("current_period_end").notNull(),
    cancelAtPeriodEnd: boolean("cancel_at_period_end").notNull().default(false),
    canceledAt: tstz("canceled_at"),
    ...timestamps,
  },
  (t) => [index("billing_subscriptions_account_idx").on(t.accountId)],
);

export type PurchaseKind = "checkout" | "auto_recharge";
export type PurchaseStatus = "pending" | "paid" | "failed" | "refunded" | "partially_refunded";

/**
 * One credit-pack purchase: a Checkout Session or an auto-recharge PaymentIntent. Its id is the
 * grant's sourceRef, so the credits are granted once whatever the webhooks do.
 */
export const billingPurchases = pgTable(
  "billing_purchases",
  {
    /** The grant's source: the Checkout Session id (cs_…) or the PaymentIntent id (pi_…). */
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id, { onDelete: "cascade" }),
    kind: text("kind").$type<PurchaseKind>().notNull(),
    packKey: text("pack_key").notNull(),
    credits: credits("credits").notNull(),
    amountCents: cents("amount_cents").notNull(),
    /** Set once paid; a refund's charge points back here through it. */
    paymentIntentId: text("payment_intent_id").unique(),
    status: text("status").$type<PurchaseStatus>().notNull(),
    /** Cumulative refunded amount, in cents, as last seen on the charge. */
    refundedCents: cents("refunded_cents").notNull().default(0),
    /** Credits clawed back so far (may be less than asked when they were already spent). */
    clawedBackCredits: credits("clawed_back_credits").notNull().default(0),
    grantedAt: tstz("granted_at"),
    ...timestamps,
  },
  (t) => [index("billing_purchases_account_idx").on(t.accountId, t.createdAt)],
);

/** Invoices mirrored from webhooks for the billing history. */
/** One invoice line as billing history shows it: `overage` is the metered usage line, in credits. */
export type InvoiceLineSummary = {
  kind: "plan" | "overage" | "other";
  description: string;
  quantity: number | null;
  amountCents: number;
  /** The period the line bills (unix seconds, like Stripe): the flat fee in advance, overage in arrears. */
  periodStart?: number;
  periodEnd?: number;
};

export const billingInvoices = pgTable(
  "billing_invoices",
  {
    /** Stripe's invoice id (in_…). */
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id, { onDelete: "cascade" }),
    subscriptionId: text("subscription_id"),
    /** NULL until finalized. */
    number: text("number"),
    status: text("status").notNull(),
    currency: text("currency").notNull(),
    totalCents: cents("total_cents").notNull(),
    amountDueCents: cents("amount_due_cents").notNull(),
    amountPaidCents: cents("amount_paid_cents").notNull(),
    periodStart: tstz("period_start").notNull(),
    periodEnd: tstz("period_end").notNull(),
    /** Stripe's hosted page; NULL for drafts. */
    hostedInvoiceUrl: text("hosted_invoice_url"),
    invoicePdf: text("invoice_pdf"),
    /** The invoice's lines as Stripe had them at the last event (first page only), for billing history. */
    lines: jsonb("lines").$type<InvoiceLineSummary[]>().notNull().default([]),
    stripeCreatedAt: tstz("stripe_created_at").notNull(),
    ...timestamps,
  },
  (t) => [index("billing_invoices_account_idx").on(t.accountId, t.stripeCreatedAt)],
);

export type MeterReportStatus = "pending" | "sent";

/**
 * One meter event toward Stripe: the overage of one account over one short window, built from
 * meter_outbox rows (which point here through report_id). The id is the meter event's
 * identifier, fixed when the report is built, so a resend after a crash or an outage is
 * deduplicated by Stripe.
 */
export const meterReports = pgTable(
  "meter_reports",
  {
    /** Also the meter event identifier sent to Stripe. */
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    eventName: text("event_name").notNull(),
    credits: credits("credits").notNull(),
    /** The meter event's timestamp: the newest overage in the window. */
    eventAt: tstz("event_at").notNull(),
    status: text("status").$type<MeterReportStatus>().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: tstz("next_attempt_at").notNull().defaultNow(),
    lastError: text("last_error"),
    /** The Stripe customer it was sent for (NULL until sent). */
    customerId: text("customer_id"),
    sentAt: tstz("sent_at"),
    ...timestamps,
  },
  (t) => [
    index("meter_reports_pending_idx").on(t.accountId, t.createdAt).where(sql`${t.status} = 'pending'`),
    index("meter_reports_account_event_idx").on(t.accountId, t.eventAt),
  ],
);

/** Opt-in automatic top-up: below the threshold, buy the pack off-session with the saved card. */
export const autoRecharge = pgTable("auto_recharge", {
  accountId: text("account_id").primaryKey().references(() => accounts.id, { onDelete: "cascade" }),
  enabled: boolean("enabled").notNull().default(false),
  thresholdCredits: credits("threshold_credits").notNull(),
  packKey: text("pack_key").notNull(),
  /** The PaymentIntent in flight (at most one); NULL when none. */
  inFlightPaymentIntentId: text("in_flight_payment_intent_id"),
  inFlightSince: tstz("in_flight_since"),
  /** Why it was turned off (a decline), shown to the user; NULL when fine. */
  lastError: text("last_error"),
  lastRechargedAt: tstz("last_recharged_at"),
  ...timestamps,
});

/** Reconciliation findings: ledger overage vs Stripe's meter summary for one customer and period. */
export const billingDivergences = pgTable(
  "billing_divergences",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    customerId: text("customer_id").notNull(),
    periodStart: tstz("period_start").notNull(),
    periodEnd: tstz("period_end").notNull(),
    ledgerCredits: credits("ledger_credits").notNull(),
    stripeCredits: credits("stripe_credits").notNull(),
    /** |ledger − stripe| / ledger in basis points (10000 = 100%). */
    divergenceBps: integer("divergence_bps").notNull(),
    detectedAt: tstz("detected_at").notNull().defaultNow(),
    resolvedAt: tstz("resolved_at"),
  },
  (t) => [uniqueIndex("billing_divergences_open_uq").on(t.accountId, t.periodStart).where(sql`${t.resolvedAt} is null`)],
);
