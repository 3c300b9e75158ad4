import { sql } from "drizzle-orm";
import { bigint, boolean, check, date, index, integer, jsonb, pgTable, primaryKey, text, unique, uniqueIndex } from "drizzle-orm/pg-core";
import { timestamps, tstz } from "./columns";
import { accounts, type AccountStatus } from "./accounts";

/**
 * The credit ledger. Every balance change happens inside one of the PL/pgSQL functions in the
 * `ledger_functions` migration, under the row lock of the account's `account_ledger` row, so the
 * cached counters, the grants and the journal always move together.
 * Credits are integers in the product's smallest unit; money is integer cents.
 */
const credits = (name: string) => bigint(name, { mode: "number" });

export type GrantKind = "signup" | "plan_allowance" | "purchase" | "promo" | "adjustment";
export type HoldStatus = "held" | "captured" | "released";
export type HardLimitUnit = "credits" | "cents";

/** One row per account: the lock every balance change takes, cached counters, limits, plan flags. */
export const accountLedger = pgTable(
  "account_ledger",
  {
    accountId: text("account_id").primaryKey().references(() => accounts.id, { onDelete: "cascade" }),
    /** Mirror of accounts.status, so reserve refuses a frozen account without a join. */
    status: text("status").$type<AccountStatus>().notNull().default("active"),
    /**
     * Payment standing, kept apart from a freeze: true while an invoice payment has failed and is
     * still owed. `status` is derived from both (frozen wins, then past_due), so unfreezing an
     * unpaid account returns it to past_due and a payment while frozen is remembered.
     */
    paymentPastDue: boolean("payment_past_due").notNull().default(false),
    /** Σ credit_grants.remaining_credits (including expired grants the expiry job has not swept yet). */
    remainingCredits: credits("remaining_credits").notNull().default(0),
    /** Σ credit_grants.held_credits: grant credits reserved by open holds. */
    heldCredits: credits("held_credits").notNull().default(0),
    /** Overage credits reserved by open holds. */
    overageHeldCredits: credits("overage_held_credits").notNull().default(0),
    /** Overage credits captured in the current period (reset by startPeriod). */
    overageUsedCredits: credits("overage_used_credits").notNull().default(0),
    /** Credits charged in the current period, from any source. */
    periodUsedCredits: credits("period_used_credits").notNull().default(0),
    /** Credits charged in the current period from plan_allowance grants. */
    periodIncludedUsedCredits: credits("period_included_used_credits").notNull().default(0),
    periodStart: tstz("period_start").notNull(),
    periodEnd: tstz("period_end").notNull(),
    /** Plan flags copied from lib/config/catalog when the plan is applied. */
    plan: text("plan").notNull().default("free"),
    overageAllowed: boolean("overage_allowed").notNull().default(false),
    overagePriceCentsPer1000Credits: bigint("overage_price_cents_per_1000_credits", { mode: "number" }).notNull().default(0),
    includedCredits: credits("included_credits").notNull().default(0),
    /** Notification threshold on credits used this period; NULL = none. */
    softLimitCredits: credits("soft_limit_credits"),
    /** Cap on overage per period, in hard_limit_unit; NULL = no cap. */
    hardLimit: bigint("hard_limit", { mode: "number" }),
    hardLimitUnit: text("hard_limit_unit").$type<HardLimitUnit>().notNull().default("credits"),
    blockOverage: boolean("block_overage").notNull().default(false),
    ...timestamps,
  },
  (t) => [
    check("account_ledger_counters_nonneg", sql`${t.remainingCredits} >= 0 and ${t.heldCredits} >= 0 and ${t.overageHeldCredits} >= 0 and ${t.overageUsedCredits} >= 0`),
  ],
);

/** Buckets of credits. remaining − held is what a new hold can take (when unexpired, not voided). */
export const creditGrants = pgTable(
  "credit_grants",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id, { onDelete: "cascade" }),
    kind: text("kind").$type<GrantKind>().notNull(),
    amountCredits: credits("amount_credits").notNull(),
    remainingCredits: credits("remaining_credits").notNull(),
    heldCredits: credits("held_credits").notNull().default(0),
    /** NULL = never expires. */
    expiresAt: tstz("expires_at"),
    /** Lower burns first at equal expiry (free/allowance 0 … purchase 100). */
    priority: integer("priority").notNull(),
    /** Unique origin (checkout session, invoice, "signup:<account>"): a purchase is granted once. */
    sourceRef: text("source_ref").notNull().unique(),
    reason: text("reason"),
    actorUserId: text("actor_user_id"),
    /** What the customer paid for it, in cents; NULL when free. */
    amountCents: bigint("amount_cents", { mode: "number" }),
    /** Set when the grant was swept as expired (by the job, or when a hold gave credits back late). */
    expiredAt: tstz("expired_at"),
    /** Set by a full refund: never spendable again. */
    voidedAt: tstz("voided_at"),
    ...timestamps,
  },
  (t) => [
    index("credit_grants_burn_idx").on(t.accountId, t.expiresAt, t.priority, t.createdAt),
    // The expiry job's work list. Its predicate avoids remaining/held on purpose: an index on a
    // column the hot path updates would make every grant update a non-HOT update.
    index("credit_grants_expiry_idx").on(t.expiresAt).where(sql`${t.expiredAt} is null and ${t.expiresAt} is not null`),
    check("credit_grants_remaining", sql`${t.remainingCredits} >= 0 and ${t.heldCredits} >= 0 and ${t.heldCredits} <= ${t.remainingCredits}`),
  ],
);

/*
 * The tables below carry no foreign key to accounts on purpose: every row is written by a ledger
 * function that has already locked the account's account_ledger row (which does reference
 * accounts), and a per-row RI check (a FOR KEY SHARE lock on the hot accounts row) on the hot
 * path costs throughput for no extra safety. They are records: deleting an account keeps them.
 */

/** A reservation for one in-flight request. */
export const holds = pgTable(
  "holds",
  {
    /** hold_… id shown to callers; rows are addressed by (account_id, request_id). */
    id: text("id").notNull(),
    accountId: text("account_id").notNull(),
    requestId: text("request_id").notNull(),
    credits: credits("credits").notNull(),
    grantCredits: credits("grant_credits").notNull(),
    overageCredits: credits("overage_credits").notNull(),
    /** The hold's allocation over grants, in burn order: parallel arrays (grant, its kind, credits). */
    allocGrantIds: text("alloc_grant_ids").array().notNull(),
    allocKinds: text("alloc_kinds").array().$type<GrantKind[]>().notNull(),
    allocCredits: bigint("alloc_credits", { mode: "number" }).array().notNull(),
    status: text("status").$type<HoldStatus>().notNull(),
    expiresAt: tstz("expires_at").notNull(),
    /** userId / apiKeyId / action / model given at reserve; the receipt falls back to them. */
    meta: jsonb("meta").$type<Record<string, string | null>>(),
    releaseReason: text("release_reason"),
    createdAt: tstz("created_at").notNull().defaultNow(),
    settledAt: tstz("settled_at"),
  },
  (t) => [
    primaryKey({ name: "holds_pkey", columns: [t.accountId, t.requestId] }),
    index("holds_open_expiry_idx").on(t.expiresAt).where(sql`${t.status} = 'held'`),
  ],
);

/**
 * Append-only journal. Deltas are signed, so for every account Σ remaining_delta equals
 * account_ledger.remaining_credits, Σ held_delta equals held_credits, and so on.
 */
export const ledgerEntries = pgTable(
  "ledger_entries",
  {
    /** Journal order (identity); the key is (account_id, id), so an account's journal is one index range. */
    id: bigint("id", { mode: "number" }).notNull().generatedAlwaysAsIdentity(),
    accountId: text("account_id").notNull(),
    /** grant | hold | capture | release | expire | void | refund | adjustment | period_rollover */
    kind: text("kind").notNull(),
    grantId: text("grant_id"),
    requestId: text("request_id"),
    remainingDelta: credits("remaining_delta").notNull().default(0),
    heldDelta: credits("held_delta").notNull().default(0),
    overageHeldDelta: credits("overage_held_delta").notNull().default(0),
    overageUsedDelta: credits("overage_used_delta").notNull().default(0),
    idempotencyKey: text("idempotency_key").notNull().unique(),
    reason: text("reason"),
    actorUserId: text("actor_user_id"),
    details: jsonb("details"),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: "ledger_entries_pkey", columns: [t.accountId, t.id] })],
);

/** One receipt per captured request. */
export const usageEvents = pgTable(
  "usage_events",
  {
    accountId: text("account_id").notNull(),
    requestId: text("request_id").notNull(),
    userId: text("user_id"),
    apiKeyId: text("api_key_id"),
    action: text("action"),
    model: text("model").notNull(),
    inputTokens: integer("input_tokens").notNull(),
    outputTokens: integer("output_tokens").notNull(),
    cachedTokens: integer("cached_tokens").notNull().default(0),
    cacheHit: boolean("cache_hit").notNull().default(false),
    status: text("status").notNull(),
    latencyMs: integer("latency_ms"),
    heldCredits: credits("held_credits").notNull(),
    requestedCredits: credits("requested_credits").notNull(),
    chargedCredits: credits("charged_credits").notNull(),
    /** Requested but not charged: beyond the hold, or overage beyond the hard limit. */
    cappedCredits: credits("capped_credits").notNull(),
    overageCredits: credits("overage_credits").notNull(),
    /** Charged from plan_allowance grants (included quota). */
    includedCredits: credits("included_credits").notNull(),
    /** [{ grantId, kind, credits }] */
    grants: jsonb("grants").$type<{ grantId: string; kind: string; credits: number }[]>().notNull(),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "usage_events_pkey", columns: [t.accountId, t.requestId] }),
    index("usage_events_account_created_idx").on(t.accountId, t.createdAt),
  ],
);

/** Dashboard rollup, upserted in capture. NULLs are one group (NULLS NOT DISTINCT). */
export const usageDaily = pgTable(
  "usage_daily",
  {
    accountId: text("account_id").notNull(),
    day: date("day", { mode: "string" }).notNull(),
    action: text("action"),
    model: text("model").notNull(),
    userId: text("user_id"),
    apiKeyId: text("api_key_id"),
    requests: bigint("requests", { mode: "number" }).notNull(),
    cacheHits: bigint("cache_hits", { mode: "number" }).notNull(),
    chargedCredits: credits("charged_credits").notNull(),
    overageCredits: credits("overage_credits").notNull(),
    includedCredits: credits("included_credits").notNull(),
    inputTokens: bigint("input_tokens", { mode: "number" }).notNull(),
    outputTokens: bigint("output_tokens", { mode: "number" }).notNull(),
  },
  (t) => [unique("usage_daily_key_uq").on(t.accountId, t.day, t.action, t.model, t.userId, t.apiKeyId).nullsNotDistinct()],
);

/** Overage per captured request awaiting report to Stripe (drained by the billing worker). */
export const meterOutbox = pgTable(
  "meter_outbox",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    accountId: text("account_id").notNull(),
    requestId: text("request_id").notNull(),
    credits: credits("credits").notNull(),
    createdAt: tstz("created_at").notNull().defaultNow(),
    /** NULL until reported; report_id names the meter event that carried it. */
    reportedAt: tstz("reported_at"),
    reportId: text("report_id"),
  },
  (t) => [
    unique("meter_outbox_account_request_uq").on(t.accountId, t.requestId),
    index("meter_outbox_unreported_idx").on(t.accountId, t.id).where(sql`${t.reportedAt} is null`),
  ],
);

/** Once-per-period notification dedupe; channels are added elsewhere. */
export const limitNotifications = pgTable(
  "limit_notifications",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    accountId: text("account_id").notNull(),
    /** soft_limit | hard_limit */
    kind: text("kind").notNull(),
    periodStart: tstz("period_start").notNull(),
    threshold: bigint("threshold", { mode: "number" }).notNull(),
    /** The value that crossed the threshold (credits). */
    value: bigint("value", { mode: "number" }).notNull(),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [uniqueIndex("limit_notifications_once_uq").on(t.accountId, t.kind, t.periodStart, t.threshold)],
);
