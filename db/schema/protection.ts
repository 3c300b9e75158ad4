import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { timestamps, tstz } from "./columns";
import { accounts } from "./accounts";

/**
 * Cost protection: circuit-breaker trips, per-account protection settings, and invoices the
 * spike guard flagged. The breaker's counters live in process memory (lib/protection/breaker);
 * only trips, resumes and settings are stored.
 */
const cents = (name: string) => bigint(name, { mode: "number" });

export type BreakerScope = "account" | "api_key";
export type BreakerCause = "spend_spike" | "agent_loop";

/** One circuit-breaker trip: an account (spend spike) or one API key (agent loop) frozen. */
export const breakerTrips = pgTable(
  "breaker_trips",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id, { onDelete: "cascade" }),
    scope: text("scope").$type<BreakerScope>().notNull(),
    /** The frozen key when scope = api_key; NULL for an account trip. */
    apiKeyId: text("api_key_id"),
    cause: text("cause").$type<BreakerCause>().notNull(),
    /** The customer-facing sentence: why, and how to resume. */
    message: text("message").notNull(),
    /** Numbers behind the decision (spend, baseline, multiple, repeats, window). */
    details: jsonb("details").$type<Record<string, unknown>>().notNull(),
    trippedAt: tstz("tripped_at").notNull(),
    /** NULL while frozen. */
    resumedAt: tstz("resumed_at"),
    resumedByUserId: text("resumed_by_user_id"),
    resumeReason: text("resume_reason"),
    /** After a resume: the account runs at a reduced rate until then; NULL = straight back to normal. */
    cautiousUntil: tstz("cautious_until"),
  },
  (t) => [
    index("breaker_trips_account_idx").on(t.accountId, t.trippedAt),
    // The state every app instance polls: open trips and recent resumes.
    index("breaker_trips_open_idx").on(t.trippedAt).where(sql`${t.resumedAt} is null`),
    index("breaker_trips_resumed_idx").on(t.resumedAt).where(sql`${t.resumedAt} is not null`),
  ],
);

/** Per-account protection settings; a missing row means the defaults (breaker on). */
export const accountProtection = pgTable("account_protection", {
  accountId: text("account_id").primaryKey().references(() => accounts.id, { onDelete: "cascade" }),
  breakerEnabled: boolean("breaker_enabled").notNull().default(true),
  /** When the defaults job set the soft limit from history; NULL = never (it sets it once). */
  softLimitDefaultedAt: tstz("soft_limit_defaulted_at"),
  ...timestamps,
});

export type InvoiceFlagStatus = "open" | "credited" | "dismissed";

/** An invoice more than 50% above the customer's previous one, held up for an admin to look at. */
export const invoiceFlags = pgTable(
  "invoice_flags",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id, { onDelete: "cascade" }),
    /** Stripe's invoice id (in_…); flagged once. */
    invoiceId: text("invoice_id").notNull(),
    customerId: text("customer_id").notNull(),
    currency: text("currency").notNull(),
    totalCents: cents("total_cents").notNull(),
    previousInvoiceId: text("previous_invoice_id").notNull(),
    previousTotalCents: cents("previous_total_cents").notNull(),
    /** (total − previous) / previous in basis points (6000 = +60%). */
    increaseBps: integer("increase_bps").notNull(),
    /** The invoice's lines at flag time: [{ description, amountCents, quantity }]. */
    breakdown: jsonb("breakdown").$type<{ description: string; amountCents: number; quantity: number | null }[]>().notNull(),
    status: text("status").$type<InvoiceFlagStatus>().notNull().default("open"),
    /** Credit applied from the console, in cents; NULL until then. */
    creditCents: cents("credit_cents"),
    /** The Stripe object that carries the credit: cn_… (credit note) or cbtxn_… (balance transaction). */
    creditRef: text("credit_ref"),
    resolvedByUserId: text("resolved_by_user_id"),
    resolvedAt: tstz("resolved_at"),
    ...timestamps,
  },
  (t) => [uniqueIndex("invoice_flags_invoice_uq").on(t.invoiceId), index("invoice_flags_open_idx").on(t.status, t.createdAt)],
);
