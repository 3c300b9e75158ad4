import { sql } from "drizzle-orm";
import { index, jsonb, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";
import { timestamps, tstz } from "./columns";
import { users } from "./users";

export type AccountKind = "personal" | "team";
export type AccountStatus = "active" | "frozen" | "past_due";
export type Role = "owner" | "admin" | "member";

/** The billing tenant: a user's personal account or a team. */
export const accounts = pgTable("accounts", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  kind: text("kind").$type<AccountKind>().notNull(),
  /** Plan key from lib/config/catalog (e.g. "free", "pro"). */
  plan: text("plan").notNull().default("free"),
  status: text("status").$type<AccountStatus>().notNull().default("active"),
  /** Why the account is frozen (shown to the customer); NULL when not frozen. */
  statusReason: text("status_reason"),
  /** One Stripe customer per account, created on demand at the first checkout. */
  stripeCustomerId: text("stripe_customer_id").unique(),
  ...timestamps,
});

export const memberships = pgTable(
  "memberships",
  {
    accountId: text("account_id").notNull().references(() => accounts.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    role: text("role").$type<Role>().notNull(),
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.accountId, t.userId] }), index("memberships_user_idx").on(t.userId)],
);

export const invites = pgTable(
  "invites",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    role: text("role").$type<Role>().notNull(),
    /** SHA-256 of the secret in the invite link; the link itself is never stored. */
    tokenHash: text("token_hash").notNull().unique(),
    invitedByUserId: text("invited_by_user_id").notNull().references(() => users.id),
    expiresAt: tstz("expires_at").notNull(),
    acceptedAt: tstz("accepted_at"),
    revokedAt: tstz("revoked_at"),
    ...timestamps,
  },
  (t) => [
    index("invites_account_idx").on(t.accountId),
    // One open invite per email per account; accepted/revoked ones stay for history.
    uniqueIndex("invites_open_email_idx").on(t.accountId, t.email).where(sql`accepted_at is null and revoked_at is null`),
  ],
);

/** Who changed what, when, from what to what. accountId NULL = a platform-level action. */
export const auditLog = pgTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").references(() => accounts.id, { onDelete: "cascade" }),
    actorUserId: text("actor_user_id").references(() => users.id),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    before: jsonb("before"),
    after: jsonb("after"),
    reason: text("reason"),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [index("audit_log_account_idx").on(t.accountId, t.createdAt)],
);

